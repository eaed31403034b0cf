/**
 * Opus at 48 kHz mono with 20 ms frames, the WebRTC default. `@evan/opus` picks its prebuilt
 * native binding when it loads and falls back to its WebAssembly build (or uses it when
 * OPUS_FORCE_WASM is set); both expose the same Encoder/Decoder, so this wrapper works with either.
 */
import { createRequire } from 'node:module';
import { Decoder, Encoder } from '@evan/opus';

export const OPUS_SAMPLE_RATE = 48_000;
/** Samples in one 20 ms frame at 48 kHz. */
export const OPUS_FRAME_SAMPLES = 960;

/** Which build of the codec library is in use: the prebuilt native addon or WebAssembly. */
export function opusBackend(): 'native' | 'wasm' {
  if (process.env.OPUS_FORCE_WASM) return 'wasm';
  try {
    createRequire(import.meta.url)('@evan/opus/node/index.js');
    return 'native';
  } catch {
    return 'wasm';
  }
}

function asInt16(bytes: Uint8Array): Int16Array {
  // Copy: the library may hand out views into a reused buffer, and Int16Array needs 2-byte alignment.
  const copy = new Uint8Array(bytes.byteLength - (bytes.byteLength % 2));
  copy.set(bytes.subarray(0, copy.length));
  return new Int16Array(copy.buffer);
}

export interface OpusEncoderOptions {
  /** Target bitrate in bits per second. Default 32000 (clear wideband speech). */
  bitrateBps?: number;
  /** 0 (fastest) to 10 (best). Default 5: good quality at a cost that suits many sessions per core. */
  complexity?: number;
}

export class OpusEncoder48k {
  private readonly encoder: Encoder;

  constructor(options: OpusEncoderOptions = {}) {
    this.encoder = new Encoder({ channels: 1, sample_rate: OPUS_SAMPLE_RATE, application: 'voip' });
    this.encoder.bitrate = options.bitrateBps ?? 32_000;
    this.encoder.complexity = (options.complexity ?? 5) as Encoder['complexity'];
  }

  /** Encodes exactly one 20 ms frame (960 samples) into one packet. */
  encode(pcm960: Int16Array): Uint8Array {
    if (pcm960.length !== OPUS_FRAME_SAMPLES) {
      throw new RangeError(
        `Opus: expected ${OPUS_FRAME_SAMPLES} samples (20 ms at 48 kHz), got ${pcm960.length}`,
      );
    }
    return this.encoder.encode(pcm960).slice();
  }
}

/**
 * A TOC byte (RFC 6716 §3.1) for one 20 ms mono frame in the same mode and bandwidth as `toc`.
 * A packet holding only a TOC byte tells libopus "this frame was lost": it runs its concealment
 * for exactly the duration the TOC names.
 */
function lossMarkerToc(toc: number): number {
  const config = toc >> 3;
  let twentyMs: number;
  if (config < 12)
    twentyMs = config - (config % 4) + 1; // SILK: 10, 20, 40, 60 ms
  else if (config < 16)
    twentyMs = config - (config % 2) + 1; // hybrid: 10, 20 ms
  else twentyMs = config - (config % 4) + 3; // CELT: 2.5, 5, 10, 20 ms
  return twentyMs << 3; // mono, one frame
}

export class OpusDecoder48k {
  private readonly decoder: Decoder;
  /** TOC byte of the last good packet: concealment continues in its mode. */
  private lastToc: number | undefined;

  constructor() {
    this.decoder = new Decoder({ channels: 1, sample_rate: OPUS_SAMPLE_RATE });
  }

  /** Decodes one packet (20 ms → 960 samples; other packet durations give their own length). */
  decode(packet: Uint8Array): Int16Array {
    if (packet.length === 0) throw new RangeError('Opus: empty packet; call conceal() for a lost packet');
    let pcm: Int16Array;
    try {
      pcm = asInt16(this.decoder.decode(packet));
    } catch (error) {
      throw new RangeError(`Opus: cannot decode packet of ${packet.length} bytes (${String(error)})`);
    }
    this.lastToc = packet[0];
    return pcm;
  }

  /**
   * One 20 ms frame (exactly 960 samples) to play in place of a lost packet, from the decoder's
   * own packet-loss concealment, which also keeps its state in step for the packets that follow.
   * Silence when nothing has been decoded yet.
   */
  conceal(): Int16Array {
    const out = new Int16Array(OPUS_FRAME_SAMPLES);
    if (this.lastToc === undefined) return out;
    const pcm = asInt16(this.decoder.decode(Uint8Array.of(lossMarkerToc(this.lastToc))));
    out.set(pcm.subarray(0, OPUS_FRAME_SAMPLES));
    return out;
  }

  reset(): void {
    this.decoder.reset();
    this.lastToc = undefined;
  }
}
