/**
 * A synthesizer chain (`PARLEY_TTS=elevenlabs,embedded`): clauses are spoken by the first engine
 * that works. A clause whose engine fails part-way goes on in the next engine from the first word
 * not yet spoken (known exactly from word timings, else estimated), so the caller hears the rest
 * once, in the fallback voice. Output is always 16 kHz, whichever engine made it.
 */
import { SESSION_SAMPLE_RATE } from '../../audio/frame.js';
import { StreamingResampler } from '../../audio/resampler.js';
import type { SessionEngineContext, SynthesizerEngine } from '../engine.js';
import type { SpeechFrame, Synthesizer, WordTiming } from '../types.js';
import { type ChainOptions, describeFailure } from './chain.js';

/** Speaking pace assumed to guess how much of a clause was spoken when an engine gives no timings. */
const ESTIMATED_MS_PER_CHAR = 65;

export function synthesizerChain(engines: SynthesizerEngine[], opts: ChainOptions): SynthesizerEngine {
  const first = engines[0] as SynthesizerEngine;
  return {
    name: engines.map((e) => e.name).join(','),
    voices: first.voices,
    defaultVoice: first.defaultVoice,
    async synthesizer(voice, ctx) {
      const chain = new ChainSynthesizer(engines, voice, ctx, opts);
      await chain.start();
      return chain;
    },
    async close() {
      await Promise.allSettled(engines.map((e) => e.close?.()));
    },
  };
}

/** The words of `text` not yet spoken after `spokenMs` of its audio. */
export function unspokenRest(text: string, spokenMs: number, timings: readonly WordTiming[]): string {
  const textWords = text.split(/\s+/).filter((w) => w.length > 0);
  if (spokenMs <= 0) return textWords.join(' ');
  let done: number;
  if (timings.length > 0) {
    const ended = timings.filter((t) => t.endMs <= spokenMs).length;
    done = Math.floor((ended * textWords.length) / Math.max(timings.length, textWords.length));
  } else {
    // Without timings, count only words surely spoken: a word may repeat, none is skipped.
    const chars = spokenMs / ESTIMATED_MS_PER_CHAR;
    let offset = 0;
    done = 0;
    for (const w of textWords) {
      offset += w.length + 1;
      if (offset > chars) break;
      done++;
    }
  }
  return textWords.slice(done).join(' ');
}

class ChainSynthesizer implements Synthesizer {
  readonly sampleRate = SESSION_SAMPLE_RATE;
  private readonly live: (Synthesizer | undefined)[];
  private active = 0;
  private failedAtMs: number | undefined;

  constructor(
    private readonly engines: SynthesizerEngine[],
    private readonly voiceWanted: string | undefined,
    private readonly ctx: SessionEngineContext,
    private readonly opts: ChainOptions,
  ) {
    this.live = engines.map(() => undefined);
  }

  get voice(): string {
    return this.live[this.active]?.voice ?? this.voiceWanted ?? '';
  }

  /** Connects the first engine that accepts the session (a wrong key shows here, at session start). */
  async start(): Promise<void> {
    for (;;) {
      try {
        await this.ensure(this.active);
        return;
      } catch (err) {
        if (!this.failOver(this.active, err)) throw err;
      }
    }
  }

  private async ensure(index: number): Promise<Synthesizer> {
    const existing = this.live[index];
    if (existing) return existing;
    const engine = this.engines[index] as SynthesizerEngine;
    // The voice asked for, where this engine has it; else its own default.
    const voice = this.voiceWanted && engine.voices.includes(this.voiceWanted) ? this.voiceWanted : undefined;
    const synthesizer = await engine.synthesizer(voice, this.ctx);
    this.live[index] = synthesizer;
    return synthesizer;
  }

  private failOver(index: number, err: unknown): boolean {
    const failed = this.live[index];
    this.live[index] = undefined;
    void failed?.close?.().catch(() => {});
    if (index + 1 >= this.engines.length) return false;
    this.opts.report({
      kind: 'tts',
      from: (this.engines[index] as SynthesizerEngine).name,
      to: (this.engines[index + 1] as SynthesizerEngine).name,
      reason: describeFailure(err),
      sessionId: this.ctx.sessionId,
    });
    this.active = index + 1;
    this.failedAtMs = this.ctx.clock.now();
    return true;
  }

  /** Back to the first engine once the fallback has served its time. */
  private maybeRetryPrimary(): void {
    if (this.active === 0 || this.failedAtMs === undefined) return;
    if (this.ctx.clock.now() - this.failedAtMs < this.opts.retryPrimaryAfterMs) return;
    this.active = 0;
    this.failedAtMs = undefined;
  }

  async *synthesize(text: string, signal: AbortSignal): AsyncIterable<SpeechFrame> {
    this.maybeRetryPrimary();
    let rest = text;
    let offsetMs = 0;
    for (;;) {
      const index = this.active;
      let spokenMs = 0;
      const timings: WordTiming[] = [];
      let resampler: StreamingResampler | undefined;
      try {
        const synthesizer = await this.ensure(index);
        for await (const frame of synthesizer.synthesize(rest, signal)) {
          let samples = frame.samples;
          if (frame.sampleRate !== SESSION_SAMPLE_RATE) {
            resampler ??= new StreamingResampler(frame.sampleRate, SESSION_SAMPLE_RATE);
            samples = resampler.process(frame.samples);
          }
          if (frame.words) timings.push(...frame.words);
          const words = frame.words?.map((w) => ({
            ...w,
            startMs: w.startMs + offsetMs,
            endMs: w.endMs + offsetMs,
          }));
          yield {
            samples,
            sampleRate: SESSION_SAMPLE_RATE,
            startMs: offsetMs + spokenMs,
            ...(words ? { words } : {}),
          };
          spokenMs += (frame.samples.length * 1000) / frame.sampleRate;
        }
        const tail = resampler?.flush();
        if (tail && tail.length > 0)
          yield { samples: tail, sampleRate: SESSION_SAMPLE_RATE, startMs: offsetMs + spokenMs };
        return;
      } catch (err) {
        if (signal.aborted) return;
        if (!this.failOver(index, err)) throw err;
        rest = unspokenRest(rest, spokenMs, timings);
        offsetMs += spokenMs;
        if (!rest) return;
      }
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.live.map((s) => s?.close?.()));
  }
}
