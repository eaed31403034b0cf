import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbfs } from '../../audio/level.js';
import { resample } from '../../audio/resampler.js';
import { concat, silence, whiteNoise } from '../../audio/signals.js';
import { readWavFile } from '../../audio/wav.js';
import { EngineError, type Vad } from '../types.js';
import { SileroVadModel } from './silero-vad.js';

const RATE = 16_000;
const LEADING_SILENCE_MS = 1000;
const TRAILING_SILENCE_MS = 1500;

let model: SileroVadModel;
let workDir: string;

beforeAll(async () => {
  model = await SileroVadModel.load();
  workDir = mkdtempSync(join(tmpdir(), 'parley-vad-'));
});

afterAll(async () => {
  await model?.close();
  rmSync(workDir, { recursive: true, force: true });
});

/** Speech voiced by the flite CLI at 16 kHz, trimmed to where it is audible (> −30 dBFS per 10 ms). */
function flite(voice: string, text: string): Int16Array {
  const path = join(workDir, `${voice}.wav`);
  execFileSync('flite', ['-voice', voice, '-t', text, '-o', path]);
  const { samples, sampleRate } = readWavFile(path);
  const speech = sampleRate === RATE ? samples : resample(samples, sampleRate, RATE);
  const window = RATE / 100;
  let first = -1;
  let last = -1;
  for (let i = 0; i + window <= speech.length; i += window) {
    if (dbfs(speech.subarray(i, i + window)) > -30) {
      if (first < 0) first = i;
      last = i + window;
    }
  }
  expect(first).toBeGreaterThanOrEqual(0);
  return speech.slice(first, last);
}

async function probabilities(vad: Vad, signal: Int16Array): Promise<number[]> {
  const out: number[] = [];
  for (let offset = 0; offset + vad.frameSamples <= signal.length; offset += vad.frameSamples) {
    out.push(await vad.speechProbability(signal.subarray(offset, offset + vad.frameSamples)));
  }
  return out;
}

const frameMs = (512 * 1000) / RATE;

function expectSameScores(actual: number[], expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  const worst = Math.max(...actual.map((p, i) => Math.abs(p - expected[i]!)));
  expect(worst).toBeLessThan(1e-4);
}

describe('Silero VAD finds speech', () => {
  for (const voice of ['slt', 'kal']) {
    it(`flite ${voice} speech padded with known silence: boundaries within ±100 ms`, async () => {
      const speech = flite(voice, 'Where is my package? It was supposed to arrive yesterday.');
      const signal = concat(silence(LEADING_SILENCE_MS, RATE), speech, silence(TRAILING_SILENCE_MS, RATE));
      const probs = await probabilities(model.createVad(), signal);
      const speechFrames = probs.flatMap((p, i) => (p >= 0.5 ? [i] : []));
      expect(speechFrames.length).toBeGreaterThan(0);
      const startMs = speechFrames[0]! * frameMs;
      const endMs = (speechFrames.at(-1)! + 1) * frameMs;
      const trueEndMs = LEADING_SILENCE_MS + (speech.length * 1000) / RATE;
      expect(Math.abs(startMs - LEADING_SILENCE_MS)).toBeLessThanOrEqual(100);
      expect(Math.abs(endMs - trueEndMs)).toBeLessThanOrEqual(100);
      // Most of the utterance is recognised as speech, not just a blip at each end.
      const inside = probs.slice(Math.ceil(LEADING_SILENCE_MS / frameMs), Math.floor(trueEndMs / frameMs));
      expect(inside.filter((p) => p >= 0.5).length / inside.length).toBeGreaterThan(0.8);
    });
  }

  it('pure silence gives no speech', async () => {
    const probs = await probabilities(model.createVad(), silence(3000, RATE));
    expect(Math.max(...probs)).toBeLessThan(0.5);
  });

  it('low-level white noise gives no speech', async () => {
    for (const amplitude of [0.005, 0.03]) {
      const probs = await probabilities(model.createVad(), whiteNoise(3000, RATE, amplitude, 11));
      expect(Math.max(...probs)).toBeLessThan(0.5);
    }
  });
});

describe('Silero VAD state', () => {
  it('sessions share the model but not state: concurrent Vads score as if each ran alone', async () => {
    const speech = concat(silence(300, RATE), flite('slt', 'Cancel my order please.'), silence(300, RATE));
    const quiet = whiteNoise(speech.length / 16, RATE, 0.01, 4);
    const alone = await probabilities(model.createVad(), speech);
    const [together] = await Promise.all([
      probabilities(model.createVad(), speech),
      probabilities(model.createVad(), quiet),
    ]);
    expect(together.length).toBe(alone.length);
    expectSameScores(together, alone);
  });

  it('frames sent without waiting are scored in order', async () => {
    const speech = concat(silence(200, RATE), flite('slt', 'Track my parcel.'));
    const sequential = await probabilities(model.createVad(), speech);
    const vad = model.createVad();
    const pending: Promise<number>[] = [];
    for (let offset = 0; offset + 512 <= speech.length; offset += 512) {
      pending.push(vad.speechProbability(speech.subarray(offset, offset + 512)));
    }
    const fired = await Promise.all(pending);
    expectSameScores(fired, sequential);
  });

  it('reset() forgets the past: a reset Vad scores like a fresh one', async () => {
    const speech = flite('slt', 'Hello there.');
    const vad = model.createVad();
    const fresh = await probabilities(vad, speech);
    await probabilities(vad, whiteNoise(500, RATE, 0.2, 2));
    vad.reset();
    const again = await probabilities(vad, speech);
    expectSameScores(again, fresh);
  });
});

describe('Silero VAD inference threads', () => {
  it('scoring on the main thread and in the worker gives the same probabilities', async () => {
    const speech = concat(silence(300, RATE), flite('slt', 'Is my delivery on time?'), silence(300, RATE));
    const onMain = await SileroVadModel.load(undefined, { thread: 'main' });
    try {
      expectSameScores(
        await probabilities(model.createVad(), speech),
        await probabilities(onMain.createVad(), speech),
      );
    } finally {
      await onMain.close();
    }
  });

  it('closing a model fails further scoring with an EngineError instead of hanging', async () => {
    const closing = await SileroVadModel.load();
    const vad = closing.createVad();
    expect(await vad.speechProbability(new Int16Array(512))).toBeLessThan(0.5);
    await closing.close();
    await expect(vad.speechProbability(new Int16Array(512))).rejects.toBeInstanceOf(EngineError);
  });
});

describe('Silero VAD errors', () => {
  it('a frame of the wrong size is rejected with the expected size', async () => {
    await expect(model.createVad().speechProbability(new Int16Array(320))).rejects.toThrow(/512 samples/);
  });

  it('a missing model file is an EngineError that says how to fix it', async () => {
    const missing = join(workDir, 'nope.onnx');
    await expect(SileroVadModel.load(missing)).rejects.toBeInstanceOf(EngineError);
    await expect(SileroVadModel.load(missing)).rejects.toThrow(/not found.*Fix:/);
  });

  it('a file that is not a model is an EngineError, not a crash (both threads)', async () => {
    const bogus = join(workDir, 'bogus.onnx');
    writeFileSync(bogus, 'not a model');
    await expect(SileroVadModel.load(bogus)).rejects.toThrow(/cannot load model.*Fix:/);
    await expect(SileroVadModel.load(bogus, { thread: 'main' })).rejects.toBeInstanceOf(EngineError);
  });
});
