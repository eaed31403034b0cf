/**
 * An Opus decoder that can use in-band FEC (RFC 6716 LBRR): when packet N is lost and N+1 has
 * arrived, N is rebuilt from the low-bitrate copy N+1 carries. `@evan/opus`'s JS `Decoder.decode`
 * always passes decode_fec = 0 (native and wasm alike), so this drives the library's own
 * WebAssembly build of libopus directly, where `opus_decode` takes the flag.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { OPUS_FRAME_SAMPLES, OPUS_SAMPLE_RATE } from '../../audio/opus.js';

interface OpusWasm {
  memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(ptr: number): void;
  opus_decoder_get_size(channels: number): number;
  opus_decoder_init(ptr: number, rate: number, channels: number): number;
  opus_decode(ptr: number, data: number, len: number, pcm: number, frameSize: number, fec: number): number;
  opus_decoder_ctl_set(ptr: number, cmd: number, arg: number): number;
}

const MAX_PACKET_BYTES = 4000;
/** 120 ms at 48 kHz, the longest Opus packet. */
const MAX_FRAME_SAMPLES = 5760;
const OPUS_RESET_STATE = 4028;

let shared: OpusWasm | undefined;
/** Frees a decoder's wasm memory if it is dropped without close(). */
const finalizer = new FinalizationRegistry<number[]>((ptrs) => {
  for (const p of ptrs) shared?.free(p);
});

function loadWasm(): OpusWasm {
  if (shared) return shared;
  const require = createRequire(import.meta.url);
  // The same SIMD probe the library uses: a tiny module with one v128 instruction.
  const simd = WebAssembly.validate(
    Uint8Array.of(
      0,
      97,
      115,
      109,
      1,
      0,
      0,
      0,
      1,
      4,
      1,
      96,
      0,
      0,
      3,
      2,
      1,
      0,
      10,
      9,
      1,
      7,
      0,
      65,
      0,
      253,
      15,
      26,
      11,
    ),
  );
  const file = require.resolve(`@evan/opus/wasm/${simd ? 'simd' : 'opus'}.wasm`);
  const noop = () => 0;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), {
    wasi_snapshot_preview1: { fd_seek: noop, fd_write: noop, fd_close: noop, proc_exit: noop },
    env: { emscripten_notify_memory_growth: noop },
  });
  shared = instance.exports as unknown as OpusWasm;
  return shared;
}

/**
 * Whether an Opus packet carries an LBRR (FEC) copy of the previous frame: SILK or hybrid mode,
 * one mono 20 ms frame, LBRR flag set (the second bit after the VAD flag, as libopus's
 * `opus_packet_has_lbrr` reads it).
 */
export function hasInbandFec(packet: Uint8Array): boolean {
  if (packet.length < 2) return false;
  const toc = packet[0] as number;
  const config = toc >> 3;
  if (config >= 16) return false; // CELT only: no LBRR
  if ((toc & 0x3) !== 0) return false; // several frames per packet: not what browsers send
  return (((packet[1] as number) >> 6) & 1) === 1;
}

export class FecOpusDecoder {
  private readonly wasm: OpusWasm;
  private readonly state: number;
  private readonly packetPtr: number;
  private readonly pcmPtr: number;
  private decodedAny = false;
  private closed = false;

  constructor() {
    this.wasm = loadWasm();
    this.state = this.wasm.malloc(this.wasm.opus_decoder_get_size(1));
    this.packetPtr = this.wasm.malloc(MAX_PACKET_BYTES);
    this.pcmPtr = this.wasm.malloc(MAX_FRAME_SAMPLES * 2);
    finalizer.register(this, [this.state, this.packetPtr, this.pcmPtr], this);
    const err = this.wasm.opus_decoder_init(this.state, OPUS_SAMPLE_RATE, 1);
    if (err < 0) throw new Error(`Opus: decoder init failed (${err})`);
  }

  /** Decodes one packet (20 ms → 960 samples). Throws on a corrupt packet. */
  decode(packet: Uint8Array): Int16Array {
    if (packet.length === 0) throw new RangeError('Opus: empty packet; call conceal() for a lost packet');
    const out = this.run(packet, MAX_FRAME_SAMPLES, 0);
    this.decodedAny = true;
    return out;
  }

  /**
   * The 20 ms frame before `next`, rebuilt from `next`'s in-band FEC; libopus falls back to its
   * concealment when `next` carries none. Call it for the lost packet, then `decode(next)`.
   */
  decodeFec(next: Uint8Array): Int16Array {
    if (!this.decodedAny || next.length === 0) return this.conceal();
    return this.fit(this.run(next, OPUS_FRAME_SAMPLES, 1));
  }

  /** One 20 ms frame of packet-loss concealment (silence before the first packet). */
  conceal(): Int16Array {
    if (!this.decodedAny) return new Int16Array(OPUS_FRAME_SAMPLES);
    return this.fit(this.run(undefined, OPUS_FRAME_SAMPLES, 0));
  }

  reset(): void {
    this.wasm.opus_decoder_ctl_set(this.state, OPUS_RESET_STATE, 0);
    this.decodedAny = false;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    finalizer.unregister(this);
    this.wasm.free(this.state);
    this.wasm.free(this.packetPtr);
    this.wasm.free(this.pcmPtr);
  }

  private run(packet: Uint8Array | undefined, frameSize: number, fec: number): Int16Array {
    const len = packet ? Math.min(packet.length, MAX_PACKET_BYTES) : 0;
    // Views are made per call: the wasm memory may have grown (and moved) since the last one.
    if (packet) new Uint8Array(this.wasm.memory.buffer, this.packetPtr, len).set(packet.subarray(0, len));
    const samples = this.wasm.opus_decode(
      this.state,
      packet ? this.packetPtr : 0,
      len,
      this.pcmPtr,
      frameSize,
      fec,
    );
    if (samples < 0) throw new RangeError(`Opus: cannot decode packet of ${len} bytes (error ${samples})`);
    return new Int16Array(this.wasm.memory.buffer.slice(this.pcmPtr, this.pcmPtr + samples * 2));
  }

  private fit(pcm: Int16Array): Int16Array {
    if (pcm.length === OPUS_FRAME_SAMPLES) return pcm;
    const out = new Int16Array(OPUS_FRAME_SAMPLES);
    out.set(pcm.subarray(0, OPUS_FRAME_SAMPLES));
    return out;
  }
}
