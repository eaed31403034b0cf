/**
 * Engine costs, as medians over repeated runs: VAD, resampler, Opus, STT and TTS.
 * Run: npm run bench:engines   (a few minutes; STT final latency streams audio in real time)
 *
 * Engines owned by other modules are loaded by path at run time, so a module that is missing or
 * broken prints "skipped: <why>" on its lines instead of stopping the benchmark.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import type { AudioFrame } from '../src/audio/frame.js';
import { OPUS_FRAME_SAMPLES, OpusDecoder48k, OpusEncoder48k, opusBackend } from '../src/audio/opus.js';
import { StreamingResampler } from '../src/audio/resampler.js';
import { concat, sine, splitFrames, whiteNoise } from '../src/audio/signals.js';
import { readWavFile } from '../src/audio/wav.js';
import { SileroVadModel } from '../src/engines/silero/silero-vad.js';
import type { Recognizer, Synthesizer } from '../src/engines/types.js';

interface Row {
  measure: string;
  median?: string;
  p90?: string;
  note: string;
}

const rows: Row[] = [];
const workDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function formatMs(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toFixed(1)} µs`;
  return `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;
}

function addTimes(measure: string, times: number[], note: string, format = formatMs): void {
  rows.push({ measure, median: format(quantile(times, 0.5)), p90: format(quantile(times, 0.9)), note });
}

function skip(measure: string, why: unknown): void {
  const reason = (why instanceof Error ? (why.message.split('\n')[0] ?? '') : String(why)).slice(0, 120);
  rows.push({ measure, note: `skipped: ${reason}` });
}

/** Times each call of `fn` individually, after `warmup` untimed calls. */
async function timeEach(count: number, warmup: number, fn: (i: number) => unknown): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn(i);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await fn(i);
    times.push(performance.now() - start);
  }
  return times;
}

/** Speech voiced by the flite CLI (voice slt, 16 kHz): independent of Parley's TTS module. */
function fliteSpeech(text: string, name: string): Int16Array {
  const path = join(workDir, `${name}.wav`);
  execFileSync('flite', ['-voice', 'slt', '-t', text, '-o', path]);
  const { samples, sampleRate } = readWavFile(path);
  if (sampleRate !== 16_000) throw new Error(`flite slt produced ${sampleRate} Hz, expected 16000`);
  return samples;
}

async function benchVad(): Promise<void> {
  const audio = concat(
    fliteSpeech('Where is my package? It was supposed to arrive yesterday.', 'vad'),
    whiteNoise(1000, 16_000, 0.02),
  );
  const frames = Math.floor(audio.length / 512);
  const frameAt = (i: number) => audio.subarray((i % frames) * 512, ((i % frames) + 1) * 512);
  for (const thread of ['worker', 'main'] as const) {
    const model = await SileroVadModel.load(undefined, { thread });
    try {
      const vad = model.createVad();
      const before = performance.eventLoopUtilization();
      const times = await timeEach(frames * 5, 20, (i) => vad.speechProbability(frameAt(i)));
      const busy = performance.eventLoopUtilization(before);
      // How much of the event loop scoring takes: what media pacing and sockets must share.
      const loopMsPerFrame = (busy.active / (frames * 5 + 20)).toFixed(3);
      addTimes(
        `VAD Silero v5 (${thread} thread), per 32 ms frame`,
        times,
        `${((quantile(times, 0.5) / 32) * 100).toFixed(2)}% of real time; event loop busy ${loopMsPerFrame} ms/frame`,
      );
      // Four sessions at once: frames in flight together.
      const sessions = [0, 1, 2, 3].map(() => model.createVad());
      const wall = await timeEach(frames * 2, 10, (i) =>
        Promise.all(sessions.map((v) => v.speechProbability(frameAt(i)))),
      );
      addTimes(
        `VAD (${thread} thread), 4 sessions at once, wall per frame`,
        wall,
        'all four sessions scored',
      );
    } finally {
      await model.close();
    }
  }
}

async function benchResampler(): Promise<void> {
  for (const [fromRate, toRate] of [
    [48_000, 16_000],
    [16_000, 48_000],
    [22_050, 16_000],
  ] as const) {
    const chunk = sine(440, 20, fromRate, 0.5);
    const resampler = new StreamingResampler(fromRate, toRate);
    const times = await timeEach(2000, 200, () => resampler.process(chunk));
    addTimes(
      `resampler ${fromRate / 1000}k→${toRate / 1000}k, per 20 ms chunk`,
      times,
      `delay ${resampler.delayMs.toFixed(1)} ms`,
    );
  }
}

interface OpusFigures {
  backend: string;
  encode: number[];
  decode: number[];
  bytesPerFrame: number;
}

async function measureOpus(): Promise<OpusFigures> {
  const encoder = new OpusEncoder48k();
  const decoder = new OpusDecoder48k();
  const audio = concat(sine(220, 500, 48_000, 0.3), whiteNoise(500, 48_000, 0.1));
  const frames = audio.length / OPUS_FRAME_SAMPLES;
  const packets: Uint8Array[] = [];
  const frameAt = (i: number) =>
    audio.subarray((i % frames) * OPUS_FRAME_SAMPLES, ((i % frames) + 1) * OPUS_FRAME_SAMPLES);
  const encode = await timeEach(1000, 100, (i) => packets.push(encoder.encode(frameAt(i))));
  const decode = await timeEach(1000, 100, (i) => decoder.decode(packets[i % packets.length]!));
  const bytesPerFrame = packets.reduce((sum, p) => sum + p.length, 0) / packets.length;
  return { backend: opusBackend(), encode, decode, bytesPerFrame };
}

async function benchOpus(): Promise<void> {
  const add = (figures: OpusFigures) => {
    addTimes(
      `Opus encode (${figures.backend}), per 20 ms frame`,
      figures.encode,
      `${figures.bytesPerFrame.toFixed(0)} B/frame at 32 kb/s`,
    );
    addTimes(`Opus decode (${figures.backend}), per 20 ms frame`, figures.decode, '');
  };
  add(await measureOpus());
  // The library picks its build when it loads, so the WebAssembly figures come from a child process.
  const child = spawnSync(process.execPath, ['--import', 'tsx', process.argv[1]!, '--opus-json'], {
    env: { ...process.env, OPUS_FORCE_WASM: '1' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (child.status !== 0) throw new Error(`wasm run failed: ${child.stderr.trim().split('\n')[0]}`);
  add(JSON.parse(child.stdout) as OpusFigures);
}

// --- STT (pocketsphinx module) ------------------------------------------------------------------

interface SttModule {
  PocketsphinxRecognizer: {
    create(opts?: { lm?: 'generic' | { lmPath: string; dictPath: string } }): Promise<Recognizer>;
  };
}
interface DomainLmModule {
  ensureDomainLm(templates: string[], cacheDir: string): Promise<{ lmPath: string; dictPath: string }>;
}

const DOMAIN_TEMPLATES = [
  '{where is|where is my} {package|parcel|order}',
  '{track|find} my {package|parcel|order} please',
  'when will my {package|parcel|order} arrive',
  'my order number is {one|two|three|four|five} {six|seven|eight|nine} {one|two|three}',
  '{cancel|change} my order',
  'i want to talk to a person',
  '{yes|no} {please|thanks|thank you}',
];
const DOMAIN_SENTENCES = [
  'where is my parcel',
  'when will my package arrive',
  'my order number is four seven two',
];

/** Imports a module by a computed path, so a file not written yet is a runtime skip, not a type error. */
async function importOptional<T>(relativePath: string): Promise<T> {
  const url = new URL(relativePath, import.meta.url).href;
  return (await import(url)) as T;
}

async function recognize(recognizer: Recognizer, frames: AudioFrame[], paced: boolean) {
  const recognition = recognizer.open();
  const drained = (async () => {
    for await (const _ of recognition.partials());
  })();
  const start = performance.now();
  for (let i = 0; i < frames.length; i++) {
    if (paced) {
      const due = start + i * 20;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    recognition.push(frames[i]!);
  }
  const lastChunk = performance.now();
  const final = await recognition.finish();
  const end = performance.now();
  await drained;
  return { text: final.text, totalMs: end - start, finalMs: end - lastChunk };
}

async function benchStt(): Promise<void> {
  let stt: SttModule;
  let domain: DomainLmModule;
  try {
    stt = await importOptional<SttModule>('../src/engines/pocketsphinx/recognizer.js');
    domain = await importOptional<DomainLmModule>('../src/engines/pocketsphinx/domain-lm.js');
  } catch (error) {
    for (const lm of ['generic', 'domain']) skip(`STT ${lm} LM`, error);
    return;
  }
  const utterances = DOMAIN_SENTENCES.map((text, i) => splitFrames(fliteSpeech(text, `stt-${i}`), 16_000));
  const buildStart = performance.now();
  let domainFiles: { lmPath: string; dictPath: string } | undefined;
  let domainError: unknown;
  try {
    domainFiles = await domain.ensureDomainLm(DOMAIN_TEMPLATES, join(workDir, 'lm'));
    rows.push({
      measure: 'STT domain LM build (7 templates)',
      median: formatMs(performance.now() - buildStart),
      note: 'once; cached by content',
    });
  } catch (error) {
    domainError = error;
  }
  for (const lm of ['generic', 'domain'] as const) {
    if (lm === 'domain' && !domainFiles) {
      skip('STT domain LM', domainError);
      continue;
    }
    let recognizer: Recognizer;
    try {
      recognizer = await stt.PocketsphinxRecognizer.create({
        lm: lm === 'generic' ? 'generic' : domainFiles,
      });
    } catch (error) {
      skip(`STT ${lm} LM`, error);
      continue;
    }
    try {
      const factors: number[] = [];
      const heard: string[] = [];
      for (let run = 0; run < 3; run++) {
        for (const frames of utterances) {
          const result = await recognize(recognizer, frames, false);
          factors.push(result.totalMs / (frames.length * 20));
          if (run === 0) heard.push(result.text);
        }
      }
      addTimes(`STT ${lm} LM, real-time factor`, factors, `heard: "${heard.join(' / ')}"`, (x) =>
        x.toFixed(3),
      );
      const finals: number[] = [];
      for (let run = 0; run < 2; run++) {
        for (const frames of utterances) finals.push((await recognize(recognizer, frames, true)).finalMs);
      }
      addTimes(`STT ${lm} LM, last chunk → final`, finals, 'audio streamed in real time');
    } finally {
      await recognizer.close?.();
    }
  }
}

// --- TTS (tts module) ---------------------------------------------------------------------------

interface TtsModule {
  VOICES: string[];
  createSynthesizer(voice?: string, opts?: { rate?: number }): Promise<Synthesizer>;
}

const CLAUSE = 'Your package left our warehouse this morning and arrives tomorrow.';

async function benchTts(): Promise<void> {
  let tts: TtsModule;
  try {
    tts = await importOptional<TtsModule>('../src/engines/tts.js');
  } catch (error) {
    skip('TTS', error);
    return;
  }
  for (const voice of tts.VOICES) {
    let synthesizer: Synthesizer;
    try {
      synthesizer = await tts.createSynthesizer(voice);
    } catch (error) {
      skip(`TTS ${voice}`, error);
      continue;
    }
    try {
      const first: number[] = [];
      const total: number[] = [];
      let audioMs = 0;
      for (let run = 0; run < 6; run++) {
        const start = performance.now();
        let firstAt: number | undefined;
        let samples = 0;
        for await (const frame of synthesizer.synthesize(CLAUSE, new AbortController().signal)) {
          firstAt ??= performance.now();
          samples += frame.samples.length;
          audioMs = (samples * 1000) / frame.sampleRate;
        }
        if (run === 0) continue; // warm-up
        first.push((firstAt ?? performance.now()) - start);
        total.push(performance.now() - start);
      }
      addTimes(`TTS ${voice}, time to first audio (10 words)`, first, '');
      addTimes(`TTS ${voice}, total (10 words)`, total, `${(audioMs / 1000).toFixed(2)} s of audio`);
    } catch (error) {
      skip(`TTS ${voice}`, error);
    } finally {
      await synthesizer.close?.();
    }
  }
}

function printTable(): void {
  const header: Row = { measure: 'measure', median: 'median', p90: 'p90', note: 'note' };
  const all = [header, ...rows];
  const width = (key: keyof Row) => Math.max(...all.map((r) => (r[key] ?? '').length));
  const widths = { measure: width('measure'), median: width('median'), p90: width('p90') };
  const line = (r: Row) =>
    `${r.measure.padEnd(widths.measure)}  ${(r.median ?? '').padStart(widths.median)}  ${(r.p90 ?? '').padStart(widths.p90)}  ${r.note}`.trimEnd();
  console.log(line(header));
  console.log('-'.repeat(widths.measure + widths.median + widths.p90 + 10));
  for (const row of rows) console.log(line(row));
}

async function main(): Promise<void> {
  if (process.argv.includes('--opus-json')) {
    process.stdout.write(JSON.stringify(await measureOpus()));
    return;
  }
  console.log(`Parley engine benchmark — node ${process.version}, ${new Date().toISOString()}\n`);
  const sections: [string, () => Promise<void>][] = [
    ['VAD', benchVad],
    ['resampler', benchResampler],
    ['Opus', benchOpus],
    ['STT', benchStt],
    ['TTS', benchTts],
  ];
  for (const [name, run] of sections) {
    process.stderr.write(`running ${name}…\n`);
    try {
      await run();
    } catch (error) {
      skip(name, error);
    }
  }
  printTable();
}

try {
  await main();
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
