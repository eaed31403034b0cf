/**
 * Caller audio from RTP: reorder by sequence number, decode Opus (concealing losses with frames
 * of the right length, so media time never jumps), resample 48 kHz → 16 kHz.
 */
import { SESSION_SAMPLE_RATE } from '../../audio/frame.js';
import { OpusDecoder48k } from '../../audio/opus.js';
import { StreamingResampler } from '../../audio/resampler.js';
import {
  type ReorderOptions,
  ReorderBuffer,
  type ReorderOutput,
  type ReorderStats,
} from '../reorder-buffer.js';

export class CallerAudioDecoder {
  private readonly reorder: ReorderBuffer<Uint8Array>;
  private readonly decoder = new OpusDecoder48k();
  private readonly resampler = new StreamingResampler(48_000, SESSION_SAMPLE_RATE);
  decodeErrors = 0;

  constructor(
    private readonly deliver: (samples16k: Int16Array) => void,
    opts: ReorderOptions = {},
  ) {
    this.reorder = new ReorderBuffer<Uint8Array>(opts);
  }

  get stats(): ReorderStats & { decodeErrors: number } {
    return { ...this.reorder.stats, decodeErrors: this.decodeErrors };
  }

  push(sequenceNumber: number, payload: Uint8Array, nowMs: number): void {
    this.handle(this.reorder.push(sequenceNumber, payload, nowMs));
  }

  /** Call every ~20 ms so a stalled gap is declared lost and the stream keeps flowing. */
  tick(nowMs: number): void {
    this.handle(this.reorder.expire(nowMs));
  }

  private handle(outputs: ReorderOutput<Uint8Array>[]): void {
    for (const out of outputs) {
      let pcm48: Int16Array;
      if (out.kind === 'lost') {
        pcm48 = this.decoder.conceal();
      } else {
        try {
          pcm48 = this.decoder.decode(out.item);
        } catch {
          // A corrupt packet is a lost packet: conceal it rather than drop the call.
          this.decodeErrors++;
          pcm48 = this.decoder.conceal();
        }
      }
      const pcm16 = this.resampler.process(pcm48);
      if (pcm16.length > 0) this.deliver(pcm16);
    }
  }
}
