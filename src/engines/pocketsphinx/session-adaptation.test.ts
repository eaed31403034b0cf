import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_SAMPLE_RATE } from '../../audio/frame.js';
import { resample } from '../../audio/resampler.js';
import { concat, whiteNoise } from '../../audio/signals.js';
import { readWavFile } from '../../audio/wav.js';
import { PocketsphinxRecognizer } from './recognizer.js';
import { transcribeSamples } from './transcribe.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'parley-stt-adapt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function speak(text: string, voice: string, name: string): Promise<Int16Array> {
  const out = join(dir, `${name}.wav`);
  await run('flite', ['-voice', voice, '-t', text, '-o', out]);
  const wav = readWavFile(out);
  return wav.sampleRate === SESSION_SAMPLE_RATE
    ? wav.samples
    : resample(wav.samples, wav.sampleRate, SESSION_SAMPLE_RATE);
}

// One recognizer serves every call of a process: whatever a decoder adapted to in one call
// (a noisy line, another voice) must not change what the next caller is heard to say.
describe('pocketsphinx recognizer shared by several calls', () => {
  let recognizer: PocketsphinxRecognizer;
  let question: Int16Array;
  let otherCaller: Int16Array;
  let heardAlone: string;

  beforeAll(async () => {
    recognizer = await PocketsphinxRecognizer.create({ lm: 'generic' });
    question = await speak('Where is my order four two one nine?', 'slt', 'question');
    // A loud hiss, then "mhm" in another voice: a first caller on a bad line.
    const mhm = await speak('mhm', 'rms', 'mhm');
    otherCaller = concat(whiteNoise(2000, SESSION_SAMPLE_RATE, 0.1, 7), mhm);
    heardAlone = (await transcribeSamples(recognizer.forSession(), question)).text;
  });
  afterAll(() => recognizer?.close());

  it('a previous caller does not change how the next call is heard', async () => {
    const previousCall = recognizer.forSession();
    await transcribeSamples(previousCall, otherCaller);
    await transcribeSamples(previousCall, otherCaller);
    const nextCall = recognizer.forSession();
    expect((await transcribeSamples(nextCall, question)).text).toBe(heardAlone);
    expect(recognizer.stats().created).toBe(1);
  });

  it('a previous utterance on the shared recognizer does not change how the next one is heard', async () => {
    await transcribeSamples(recognizer, otherCaller);
    expect((await transcribeSamples(recognizer, question)).text).toBe(heardAlone);
  });

  it("adapts within a call: a call's next utterance starts from what its earlier ones adapted to", async () => {
    const call = recognizer.forSession();
    await transcribeSamples(call, otherCaller);
    // Another call in between takes the same pooled decoder; the first call's adaptation comes back with it.
    await transcribeSamples(recognizer.forSession(), question);
    const afterOwnHistory = (await transcribeSamples(call, question)).text;
    // The call's own history does change what it hears, so the comparison below means something.
    expect(afterOwnHistory).not.toBe(heardAlone);

    const sameHistory = recognizer.forSession();
    await transcribeSamples(sameHistory, otherCaller);
    expect((await transcribeSamples(sameHistory, question)).text).toBe(afterOwnHistory);
  });
});
