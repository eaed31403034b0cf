/**
 * Caller audio from RTP: reorder by sequence number, decode Opus, resample 48 kHz → 16 kHz.
 * A lost packet is rebuilt from the next packet's in-band FEC when that one is already here
 * (browsers send FEC once our receiver reports show loss, since the answer says useinbandfec=1),
 * otherwise concealed by the decoder's PLC; either way it fills exactly 20 ms, so media time
 * never jumps and the recognizer hears continuous audio.
 */
import { SESSION_SAMPLE_RATE } from '../../audio/frame.js';
import { StreamingResampler } from '../../audio/resampler.js';
import {
  type ReorderOptions,
  ReorderBuffer,
  type ReorderOutput,
  type ReorderStats,
} from '../reorder-buffer.js';
import { FecOpusDecoder, hasInbandFec } from './opus-fec-decoder.js';

export interface CallerAudioStats extends ReorderStats {
  decodeErrors: number;
  /** Lost packets rebuilt from the next packet's in-band FEC. */
  fecRecovered: number;
  /** Lost (or corrupt) packets filled by packet-loss concealment. */
  concealed: number;
  /** Received packets that carried FEC data for their predecessor. */
  fecPackets: number;
}

export class CallerAudioDecoder {
  private readonly reorder: ReorderBuffer<Uint8Array>;
  private readonly decoder = new FecOpusDecoder();
  private readonly resampler = new StreamingResampler(48_000, SESSION_SAMPLE_RATE);
  private readonly counts = { decodeErrors: 0, fecRecovered: 0, concealed: 0, fecPackets: 0 };
  private closed = false;

  constructor(
    private readonly deliver: (samples16k: Int16Array) => void,
    opts: ReorderOptions = {},
  ) {
    this.reorder = new ReorderBuffer<Uint8Array>(opts);
  }

  get decodeErrors(): number {
    return this.counts.decodeErrors;
  }

  get stats(): CallerAudioStats {
    return { ...this.reorder.stats, ...this.counts };
  }

  push(sequenceNumber: number, payload: Uint8Array, nowMs: number): void {
    if (this.closed) return;
    if (hasInbandFec(payload)) this.counts.fecPackets++;
    this.handle(this.reorder.push(sequenceNumber, payload, nowMs));
  }

  /** Call every ~20 ms so a stalled gap is declared lost and the stream keeps flowing. */
  tick(nowMs: number): void {
    if (this.closed) return;
    this.handle(this.reorder.expire(nowMs));
  }

  /** Frees the decoder (its memory lives in WebAssembly). */
  close(): void {
    this.closed = true;
    this.decoder.close();
  }

  private handle(outputs: ReorderOutput<Uint8Array>[]): void {
    for (const out of outputs) {
      const pcm16 = this.resampler.process(this.decodeOne(out));
      if (pcm16.length > 0) this.deliver(pcm16);
    }
  }

  private decodeOne(out: ReorderOutput<Uint8Array>): Int16Array {
    if (out.kind === 'packet') {
      try {
        return this.decoder.decode(out.item);
      } catch {
        // A corrupt packet is a lost packet: conceal it rather than drop the call.
        this.counts.decodeErrors++;
        this.counts.concealed++;
        return this.decoder.conceal();
      }
    }
    if (out.next && hasInbandFec(out.next)) {
      try {
        const pcm = this.decoder.decodeFec(out.next);
        this.counts.fecRecovered++;
        return pcm;
      } catch {
        // The next packet is corrupt too: fall through to concealment.
      }
    }
    this.counts.concealed++;
    return this.decoder.conceal();
  }
}
