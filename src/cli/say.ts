/** `parley say "TEXT" -o OUT.wav [--voice V] [--rate N]`: speaks text into a 16-bit mono WAV file. */
import { parseArgs } from 'node:util';
import { concat } from '../audio/signals.js';
import { writeWavFile } from '../audio/wav.js';
import { SystemClock } from '../clock.js';
import { createEngine, engineNames } from '../engines/catalog.js';
import { resolveRuntimeConfig, type RuntimeConfig } from '../runtime/config.js';
import { DEFAULT_SETTINGS } from '../runtime/runtime.js';

const USAGE = `usage: parley say "TEXT" -o OUT.wav [--voice NAME] [--rate N] [--tts ENGINE]

  -o, --out FILE   WAV file to write (16-bit mono, 16 kHz)
  --voice NAME     voice to speak with (env PARLEY_VOICE; default: the engine's, slt for the
                   embedded voices: slt, rms, awb, kal16, espeak)
  --rate N         speaking-rate factor, 1 = normal (default 1)
  --tts ENGINE     speech synthesizer: ${engineNames('tts').join(', ')} (env PARLEY_TTS; default embedded)`;

export async function run(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    console.error(`parley say: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const text = positionals.join(' ').trim();
  const rate = values.rate === undefined ? 1 : Number(values.rate);
  const problem = checkArgs(text, values.out, rate, values.rate);
  if (problem || !values.out) {
    console.error(`parley say: ${problem}\n\n${USAGE}`);
    return 2;
  }
  let config: RuntimeConfig;
  try {
    // Flag > environment > default, as for every command.
    config = resolveRuntimeConfig({ tts: values.tts, voice: values.voice });
  } catch (err) {
    console.error(`parley say: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const engine = await createEngine('tts', config.tts, {
    ...DEFAULT_SETTINGS,
    speakingRate: rate,
    env: process.env,
  });
  const voice = config.voice ?? engine.defaultVoice;
  if (!engine.voices.includes(voice)) {
    console.error(
      `parley say: unknown voice '${voice}' (choose from ${engine.voices.join(', ')})\n\n${USAGE}`,
    );
    await engine.close?.();
    return 2;
  }
  const synthesizer = await engine.synthesizer(voice, { sessionId: 'say', clock: new SystemClock() });
  const startedAt = performance.now();
  let firstAudioMs: number | undefined;
  const chunks: Int16Array[] = [];
  for await (const frame of synthesizer.synthesize(text, new AbortController().signal)) {
    firstAudioMs ??= performance.now() - startedAt;
    chunks.push(frame.samples);
  }
  const totalMs = performance.now() - startedAt;
  const samples = concat(...chunks);
  writeWavFile(values.out, samples, synthesizer.sampleRate);
  const seconds = samples.length / synthesizer.sampleRate;
  console.log(
    `wrote ${values.out}: ${seconds.toFixed(2)} s of speech, voice ${voice}, ` +
      `first audio after ${(firstAudioMs ?? totalMs).toFixed(0)} ms, done after ${totalMs.toFixed(0)} ms`,
  );
  await engine.close?.();
  return 0;
}

function checkArgs(
  text: string,
  out: string | undefined,
  rate: number,
  rateArg: string | undefined,
): string | undefined {
  if (!text) return 'no text to say';
  if (!out) return 'missing -o OUT.wav';
  if (!Number.isFinite(rate) || rate <= 0) return `--rate must be a positive number, got '${rateArg}'`;
  return undefined;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o' },
      voice: { type: 'string' },
      tts: { type: 'string' },
      rate: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
