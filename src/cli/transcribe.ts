/** `parley transcribe FILE.wav [--lm generic|PATH] [--json]`: speech in a WAV file → text. */
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { SESSION_SAMPLE_RATE } from '../audio/frame.js';
import { resample } from '../audio/resampler.js';
import { readWavFile } from '../audio/wav.js';
import { createEngine, engineNames } from '../engines/catalog.js';
import type { RecognizerEngine } from '../engines/engine.js';
import { resolveRuntimeConfig } from '../runtime/config.js';
import { DEFAULT_SETTINGS } from '../runtime/runtime.js';

const DEFAULT_CACHE_DIR = '.parley/lm';

const USAGE = `usage: parley transcribe FILE.wav [--lm generic|PATH] [--json] [--stt ENGINE]

  --lm generic|PATH  language model (default generic). PATH: a directory holding a model and
                     its dictionary, a .lm/.arpa/.lm.bin file with a .dic beside it, or a text
                     file of phrase templates, one per line ("where is my {order|parcel}"),
                     built into a domain model once and cached
  --cache-dir DIR    where domain models are cached (default ${DEFAULT_CACHE_DIR})
  --stt ENGINE       speech recognizer: ${engineNames('stt').join(', ')} (env PARLEY_STT; default embedded)
  --json             print only JSON: {"text","partials":[{"text","atMs"}],"finalLatencyMs"}
                     (atMs: ms of audio decoded when the partial appeared)

The audio is decoded as fast as the decoder goes, not in real time.`;

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      lm: { type: 'string', default: 'generic' },
      'cache-dir': { type: 'string', default: DEFAULT_CACHE_DIR },
      stt: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

export async function run(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    console.error(`parley transcribe: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(`parley transcribe: expected one WAV file\n\n${USAGE}`);
    return 2;
  }
  const file = positionals[0] as string;
  let engine: RecognizerEngine | undefined;
  try {
    const wav = readWavFile(file);
    const samples =
      wav.sampleRate === SESSION_SAMPLE_RATE
        ? wav.samples
        : resample(wav.samples, wav.sampleRate, SESSION_SAMPLE_RATE);
    const name = resolveRuntimeConfig({ stt: values.stt }).stt;
    // Engines keep models under <dataDir>/lm: the cache folder's parent is the data folder.
    engine = await createEngine('stt', name, {
      ...DEFAULT_SETTINGS,
      dataDir: dirname(values['cache-dir']),
      env: process.env,
    });
    if (!engine.transcribe) throw new Error(`the ${name} recognizer cannot transcribe files`);
    const result = await engine.transcribe(samples, {
      model: values.lm,
      ...(values.json
        ? {}
        : { onPartial: (p) => console.log(`partial ${(p.atMs / 1000).toFixed(2)}s: ${p.text}`) }),
    });
    if (values.json) {
      console.log(
        JSON.stringify({
          text: result.text,
          partials: result.partials,
          finalLatencyMs: Math.round(result.finalLatencyMs * 10) / 10,
        }),
      );
    } else {
      console.log(`final: ${result.text}`);
      console.error(
        `${(result.audioMs / 1000).toFixed(2)} s of audio in ${(result.elapsedMs / 1000).toFixed(2)} s ` +
          `(real-time factor ${(result.elapsedMs / result.audioMs).toFixed(3)}), final after ${result.finalLatencyMs.toFixed(1)} ms`,
      );
    }
    return 0;
  } catch (err) {
    console.error(`parley transcribe: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    await engine?.close?.();
  }
}
