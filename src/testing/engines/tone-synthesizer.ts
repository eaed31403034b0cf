import type { AudioFrame } from '../../audio/frame.js';
import type { Clock } from '../../clock.js';
import type { Synthesizer } from '../../engines/types.js';

export interface ToneSynthesizerOptions {
  clock: Clock;
  /** Output rate; set it away from 16 kHz to exercise resampling. Default 16000. */
  sampleRate?: number;
  /** Audio per character of text. Default 60 ms. */
  msPerChar?: number;
  /** Length of each yielded chunk. Default 100 ms. */
  chunkMs?: number;
  /** Compute time before the first chunk, on the clock. Default 20 ms. */
  firstAudioMs?: number;
  /** Compute time per later chunk, on the clock. Default 5 ms (20× faster than real time). */
  chunkComputeMs?: number;
  /** Peak amplitude (0..1). Default 0.3. */
  amplitude?: number;
  /** Throw when the text contains this (an engine failure). */
  failOn?: string;
}

/**
 * Deterministic speech stand-in: a tone whose pitch follows the characters, exactly
 * `msPerChar` per character, so tests can map played samples back to words precisely.
 */
export class ToneSynthesizer implements Synthesizer {
  readonly sampleRate: number;
  readonly voice = 'tone';
  /** Texts synthesized (including aborted ones), for assertions. */
  readonly texts: string[] = [];

  constructor(private readonly opts: ToneSynthesizerOptions) {
    this.sampleRate = opts.sampleRate ?? 16_000;
  }

  /** Duration this text will have, in ms. */
  durationMs(text: string): number {
    return text.length * (this.opts.msPerChar ?? 60);
  }

  async *synthesize(text: string, signal: AbortSignal): AsyncIterable<AudioFrame> {
    this.texts.push(text);
    if (this.opts.failOn && text.includes(this.opts.failOn))
      throw new Error(`tone synthesizer failed on '${text}'`);
    const msPerChar = this.opts.msPerChar ?? 60;
    const chunkMs = this.opts.chunkMs ?? 100;
    const amplitude = (this.opts.amplitude ?? 0.3) * 32767;
    const totalSamples = Math.round((text.length * msPerChar * this.sampleRate) / 1000);
    const samplesPerChar = totalSamples / Math.max(1, text.length);
    const chunkSamples = Math.max(1, Math.round((chunkMs * this.sampleRate) / 1000));
    let phase = 0;
    for (let offset = 0; offset < totalSamples; offset += chunkSamples) {
      const wait = offset === 0 ? (this.opts.firstAudioMs ?? 20) : (this.opts.chunkComputeMs ?? 5);
      await this.opts.clock.sleep(wait, signal);
      const n = Math.min(chunkSamples, totalSamples - offset);
      const samples = new Int16Array(n);
      for (let i = 0; i < n; i++) {
        const charCode = text.charCodeAt(
          Math.min(text.length - 1, Math.floor((offset + i) / samplesPerChar)),
        );
        const freq = 150 + (charCode % 32) * 10;
        phase += (2 * Math.PI * freq) / this.sampleRate;
        samples[i] = Math.round(amplitude * Math.sin(phase));
      }
      yield { samples, sampleRate: this.sampleRate, startMs: (offset * 1000) / this.sampleRate };
    }
  }
}
