import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_SAMPLE_RATE } from '../../audio/frame.js';
import { resample } from '../../audio/resampler.js';
import { splitFrames } from '../../audio/signals.js';
import { readWavFile } from '../../audio/wav.js';
import { EngineError } from '../types.js';
import { buildDomainLm } from './domain-lm.js';
import { PocketsphinxRecognizer } from './recognizer.js';
import { type TranscriptionResult, transcribeSamples } from './transcribe.js';
import { wordErrorRate } from './wer.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'parley-stt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function read16k(path: string): Int16Array {
  const wav = readWavFile(path);
  return wav.sampleRate === SESSION_SAMPLE_RATE
    ? wav.samples
    : resample(wav.samples, wav.sampleRate, SESSION_SAMPLE_RATE);
}

async function speak(text: string, name: string): Promise<Int16Array> {
  const out = join(dir, `${name}.wav`);
  await run('flite', ['-voice', 'slt', '-t', text, '-o', out]);
  return read16k(out);
}

const DOMAIN_SENTENCES = [
  'where is my order',
  'my order number is four two one nine',
  'cancel my order',
  'send me the tracking link',
  'yes please',
  'no thanks',
  'thank you goodbye',
  'when will my package arrive',
];

describe('pocketsphinx with a domain language model', () => {
  let recognizer: PocketsphinxRecognizer;
  let speech: Int16Array[];

  beforeAll(async () => {
    const templates = readFileSync(new URL('./fixtures/package-phrases.txt', import.meta.url), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '');
    const lm = await buildDomainLm(templates, join(dir, 'lm'));
    recognizer = await PocketsphinxRecognizer.create({ lm });
    speech = [];
    for (const [i, text] of DOMAIN_SENTENCES.entries()) speech.push(await speak(text, `domain-${i}`));
  });
  afterAll(() => recognizer?.close());

  it('transcribes flite-voiced sentences of the domain with WER ≤ 10%, partials before each final', async () => {
    const pairs: { reference: string; hypothesis: string }[] = [];
    for (const [i, reference] of DOMAIN_SENTENCES.entries()) {
      const samples = speech[i] as Int16Array;
      const result = await transcribeSamples(recognizer, samples);
      pairs.push({ reference, hypothesis: result.text });
      expect(result.partials.length, reference).toBeGreaterThan(0);
      // The first partial came while the sentence was still being fed.
      expect(result.partials[0]?.atMs ?? Number.POSITIVE_INFINITY).toBeLessThan(result.audioMs);
      // Only changes are reported, at most one per 100 ms of audio.
      for (let k = 1; k < result.partials.length; k++) {
        const [before, after] = [result.partials[k - 1], result.partials[k]];
        expect(after?.text).not.toBe(before?.text);
        expect((after?.atMs ?? 0) - (before?.atMs ?? 0)).toBeGreaterThanOrEqual(100);
      }
      expect(result.finalLatencyMs).toBeGreaterThanOrEqual(0);
    }
    expect(wordErrorRate(pairs)).toBeLessThanOrEqual(0.1);
  });

  it('runs two recognitions at once, each giving the text it gives alone', async () => {
    const [a, b] = [speech[1] as Int16Array, speech[7] as Int16Array];
    const alone = [
      (await transcribeSamples(recognizer, a)).text,
      (await transcribeSamples(recognizer, b)).text,
    ];
    const first = recognizer.open();
    const second = recognizer.open();
    const framesA = splitFrames(a, SESSION_SAMPLE_RATE);
    const framesB = splitFrames(b, SESSION_SAMPLE_RATE);
    for (let i = 0; i < Math.max(framesA.length, framesB.length); i++) {
      const fa = framesA[i];
      const fb = framesB[i];
      if (fa) first.push(fa);
      if (fb) second.push(fb);
      if (i % 5 === 4) await Promise.all([first.decoded(), second.decoded()]);
    }
    const finals = await Promise.all([first.finish(), second.finish()]);
    expect(finals.map((f) => f.text)).toEqual(alone);
    expect(
      wordErrorRate([
        { reference: DOMAIN_SENTENCES[1] as string, hypothesis: finals[0]?.text ?? '' },
        { reference: DOMAIN_SENTENCES[7] as string, hypothesis: finals[1]?.text ?? '' },
      ]),
    ).toBeLessThanOrEqual(0.1);
    expect(recognizer.stats().inUse).toBe(0);
  });

  it('abandons a closed utterance: nothing of it reaches the next one, and the decoder is reused', async () => {
    const abandoned = recognizer.open();
    for (const frame of splitFrames(speech[2] as Int16Array, SESSION_SAMPLE_RATE).slice(0, 40))
      abandoned.push(frame);
    const ended = (async () => {
      for await (const _ of abandoned.partials()) {
        // drain until close ends the stream
      }
    })();
    abandoned.close();
    await ended;
    await expect(abandoned.finish()).rejects.toThrow(/after close/);
    const created = recognizer.stats().created;
    const next = await transcribeSamples(recognizer, speech[4] as Int16Array);
    expect(next.text).toBe('yes please');
    expect(recognizer.stats().created).toBe(created);
  });

  it('rejects frames at the wrong sample rate with an error that says how to fix it', () => {
    const recognition = recognizer.open();
    try {
      expect(() =>
        recognition.push({ samples: new Int16Array(960), sampleRate: 48_000, startMs: 0 }),
      ).toThrow(EngineError);
      expect(() =>
        recognition.push({ samples: new Int16Array(960), sampleRate: 48_000, startMs: 0 }),
      ).toThrow(/16000 Hz.*48000 Hz.*resample/);
      const floats = new Float32Array(320) as unknown as Int16Array;
      expect(() => recognition.push({ samples: floats, sampleRate: 16_000, startMs: 0 })).toThrow(
        /Int16Array/,
      );
    } finally {
      recognition.close();
    }
  });

  it('returns an empty final for an utterance with no audio', async () => {
    const final = await recognizer.open().finish();
    expect(final).toMatchObject({ text: '', final: true });
  });

  it('keeps the event loop free while decoding', async () => {
    const recognition = recognizer.open();
    try {
      // One large decode step: were it run on the main thread, no callback could run before it ends.
      recognition.push({ samples: speech[1] as Int16Array, sampleRate: SESSION_SAMPLE_RATE, startMs: 0 });
      let decoded = false;
      const done = recognition.decoded().then(() => {
        decoded = true;
      });
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(decoded).toBe(false);
      await done;
    } finally {
      recognition.close();
    }
  });
});

describe('pocketsphinx with the generic language model', () => {
  const LIBRIVOX = '/usr/share/pocketsphinx/test/data/librivox';
  // The three shortest recordings keep the test quick; references from the package's transcription.
  const IDS = ['0880', '0890', '0930'].map((n) => `sense_and_sensibility_01_austen_64kb-${n}`);

  it('transcribes human recordings with WER ≤ 40%', async () => {
    const references = new Map(
      readFileSync(join(LIBRIVOX, 'transcription'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => {
          const match = /^<s> (.*) <\/s> \((.*)\)$/.exec(line.trim());
          return [match?.[2] ?? '', match?.[1] ?? ''] as const;
        }),
    );
    const recognizer = await PocketsphinxRecognizer.create();
    try {
      // One after another: the generic model costs ~100 MB and ~0.5 s per extra decoder.
      const results: TranscriptionResult[] = [];
      for (const id of IDS)
        results.push(await transcribeSamples(recognizer, read16k(join(LIBRIVOX, `${id}.wav`))));
      const pairs = IDS.map((id, i) => ({
        reference: references.get(id) ?? '',
        hypothesis: results[i]?.text ?? '',
      }));
      expect(pairs.every((p) => p.reference !== '')).toBe(true);
      expect(wordErrorRate(pairs)).toBeLessThanOrEqual(0.4);
    } finally {
      await recognizer.close();
    }
  });
});

describe('pocketsphinx failures', () => {
  it('names a missing language model file and how to fix it', async () => {
    const missing = join(dir, 'missing.lm');
    await expect(
      PocketsphinxRecognizer.create({
        lm: { lmPath: missing, dictPath: '/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict' },
      }),
    ).rejects.toThrow(new RegExp(`language model not found at ${missing}.*Fix:`));
  });

  it('reports a language model pocketsphinx cannot load, and the process goes on', async () => {
    const broken = join(dir, 'broken');
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, 'x.lm'), 'this is not a language model\n');
    writeFileSync(join(broken, 'x.dic'), 'hello HH AH L OW\n');
    const error = await PocketsphinxRecognizer.create({
      lm: { lmPath: join(broken, 'x.lm'), dictPath: join(broken, 'x.dic') },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as Error).message).toMatch(/could not load the models.*x\.lm/);
  });
});
