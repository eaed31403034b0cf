/**
 * Shared by the tests of the cloud adapters and their local servers: one package-tracker call
 * through a runtime, and the checks that word timings are true to the audio. Not built.
 */
import { expect } from 'vitest';
import { createPackageTrackerAgent } from '../../apps/package-tracker/index.js';
import { peak } from '../../audio/level.js';
import { concat } from '../../audio/signals.js';
import { SystemClock } from '../../clock.js';
import type { SessionOptions } from '../../conversation/options.js';
import type { EngineSettings, SynthesizerEngine } from '../../engines/engine.js';
import { EngineError, type SpeechFrame, type Synthesizer, type WordTiming } from '../../engines/types.js';
import { composeCaller } from '../../runtime/caller-audio.js';
import { type RecordedCallResult, runRecordedCall } from '../../runtime/recorded-call.js';
import { createRuntime, type RuntimeEngines } from '../../runtime/runtime.js';
import { openDatabase } from '../../store/database.js';

export interface ProviderCallOptions {
  engines: RuntimeEngines;
  dataDir: string;
  /** The caller's line. Default 'Where is my order four two one nine?'. */
  line?: string;
  /** Silence before and after the line, ms. Default [400, 600]. */
  pausesMs?: [number, number];
  sessionOptions?: Partial<SessionOptions>;
}

/** A recorded call (flite caller 'rms', played in real time) to the package tracker on `engines`. */
export async function runProviderCall(opts: ProviderCallOptions): Promise<RecordedCallResult> {
  const [before, after] = opts.pausesMs ?? [400, 600];
  const caller = await composeCaller({
    voice: 'rms',
    parts: [{ pauseMs: before }, opts.line ?? 'Where is my order four two one nine?', { pauseMs: after }],
  });
  const runtime = createRuntime({
    engines: opts.engines,
    agent: createPackageTrackerAgent({ db: openDatabase(':memory:') }),
    settings: { dataDir: opts.dataDir, env: {} },
  });
  try {
    return await runRecordedCall({
      samples: caller.samples,
      createSession: (clock) =>
        runtime.createSession({ clock, ...(opts.sessionOptions ? { options: opts.sessionOptions } : {}) }),
      settleMs: 1500,
      maxTailMs: 15_000,
    });
  } finally {
    await runtime.close();
  }
}

/**
 * The call's order-status turn, checked: no errors, the status spoken in full, heard to its end,
 * and the agent's track loud for over 100 ms (the audio came back into the call).
 */
export function expectHeardOrderStatus(result: RecordedCallResult): RecordedCallResult['traces'][number] {
  expect(result.errors).toEqual([]);
  const turn = result.traces.find((t) => t.tools.some((tool) => tool.name === 'get_order_status'));
  expect(turn, JSON.stringify(result.traces, null, 1)).toBeDefined();
  expect(turn?.agentText).toMatch(/^Order four two one nine is in transit/);
  expect(turn?.interrupted).toBe(false);
  expect(turn?.heardText).toBe(turn?.agentText);
  let loud = 0;
  for (const s of result.agent) if (Math.abs(s) > 3000) loud++;
  expect(loud).toBeGreaterThan(16_000 / 10);
  return turn as RecordedCallResult['traces'][number];
}

/** What `run` rejected with; throws if it resolved or rejected with a non-Error. */
export async function failureOf(run: Promise<unknown>): Promise<Error> {
  const err = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error('expected a failure');
  return err;
}

/** Engine settings with `env` and nothing else of note. */
export function engineSettings(env: EngineSettings['env']): EngineSettings {
  return { env, dataDir: '.', lm: 'domain', speakingRate: 1 };
}

export async function collect(synth: Synthesizer, text: string, signal = new AbortController().signal) {
  const frames: SpeechFrame[] = [];
  for await (const frame of synth.synthesize(text, signal)) frames.push(frame);
  return frames;
}

export const samplesOf = (frames: readonly SpeechFrame[]) => concat(...frames.map((f) => f.samples));

/** A clause long enough to be aborted mid-way. */
export const LONG_CLAUSE =
  'This is a long answer that goes on and on about the parcel and where it has been all week.';

/** Speaks LONG_CLAUSE and aborts once `frames` frames came: the frames received in all. */
export async function framesUntilAbort(synth: Synthesizer, frames: number): Promise<SpeechFrame[]> {
  const abort = new AbortController();
  const out: SpeechFrame[] = [];
  for await (const frame of synth.synthesize(LONG_CLAUSE, abort.signal)) {
    out.push(frame);
    if (out.length === frames) abort.abort();
  }
  return out;
}

/** Making a synthesizer fails on the refused key, naming `keyVar` and never quoting `secret`. */
export async function expectKeyRefused(
  engine: SynthesizerEngine,
  keyVar: string,
  secret: string,
): Promise<void> {
  const error = await failureOf(
    engine.synthesizer(undefined, { sessionId: 'refused', clock: new SystemClock() }),
  );
  expect(error).toBeInstanceOf(EngineError);
  expect(error.message).toMatch(/API key was refused \(HTTP 401/);
  expect(error.message).toContain(keyVar);
  expect(error.message).not.toContain(secret);
}

/** Base64 16-bit little-endian PCM, as the providers send it. */
export function pcmFromBase64(data: string): Int16Array {
  const bytes = Buffer.from(data, 'base64');
  const samples = new Int16Array(bytes.length / 2);
  for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2);
  return samples;
}

/** `words` are the words of `text`, each voiced where it says, with no voice between two (16 kHz audio). */
export function expectWordsVoiced(audio: Int16Array, words: readonly WordTiming[], text: string): void {
  const window = (from: number, to: number) => audio.subarray(Math.round(from * 16), Math.round(to * 16));
  expect(words.map((w) => w.word)).toEqual(text.split(' '));
  for (const [i, w] of words.entries()) {
    expect(peak(window(w.startMs, w.endMs))).toBeGreaterThan(0.05);
    // Between two words (a little inside the pause) there is no voice.
    const next = words[i + 1];
    if (next) expect(peak(window(w.endMs + 2, next.startMs - 2))).toBeLessThan(0.01);
  }
}

/**
 * The frames' word timings are the words of `text` in order, each within the audio and voiced
 * where it says, each sent no later than the frame it starts in.
 */
export function expectTrueTimings(frames: SpeechFrame[], text: string): void {
  const audio = samplesOf(frames);
  const rate = frames[0]?.sampleRate ?? 16_000;
  const audioMs = (audio.length * 1000) / rate;
  const words = frames.flatMap((f) => f.words ?? []);
  expect(words.map((w) => w.word)).toEqual(text.split(' '));
  let previousEnd = 0;
  for (const w of words) {
    expect(w.startMs).toBeGreaterThanOrEqual(previousEnd);
    expect(w.endMs).toBeGreaterThan(w.startMs);
    expect(w.endMs).toBeLessThanOrEqual(audioMs + 1e-6);
    previousEnd = w.endMs;
    const at = (ms: number) => Math.round((ms * rate) / 1000);
    expect(peak(audio.subarray(at(w.startMs), at(w.endMs)))).toBeGreaterThan(0.05);
  }
  for (const [i, frame] of frames.entries()) {
    for (const w of frame.words ?? []) {
      const startsIn = frames.findIndex(
        (f) => f.startMs + (f.samples.length * 1000) / f.sampleRate > w.startMs,
      );
      expect(i).toBeLessThanOrEqual(startsIn);
    }
  }
}
