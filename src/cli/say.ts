/** `parley say "TEXT" -o OUT.wav [--voice V] [--rate N]`: speaks text into a 16-bit mono WAV file. */
import { parseArgs } from 'node:util';
import { concat } from '../audio/signals.js';
import { writeWavFile } from '../audio/wav.js';
import { createSynthesizer, DEFAULT_VOICE, isVoiceName, VOICES } from '../engines/tts.js';

const USAGE = `usage: parley say "TEXT" -o OUT.wav [--voice ${VOICES.join('|')}] [--rate N]

  -o, --out FILE   WAV file to write (16-bit mono, 16 kHz)
  --voice NAME     voice to speak with (default ${DEFAULT_VOICE})
  --rate N         speaking-rate factor, 1 = normal (default 1)`;

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
  const voice = values.voice ?? DEFAULT_VOICE;
  const rate = values.rate === undefined ? 1 : Number(values.rate);
  const problem = checkArgs(text, values.out, voice, rate, values.rate);
  if (problem || !values.out || !isVoiceName(voice)) {
    console.error(`parley say: ${problem}\n\n${USAGE}`);
    return 2;
  }

  const synthesizer = await createSynthesizer(voice, { rate });
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
  await synthesizer.close?.();
  return 0;
}

function checkArgs(
  text: string,
  out: string | undefined,
  voice: string,
  rate: number,
  rateArg: string | undefined,
): string | undefined {
  if (!text) return 'no text to say';
  if (!out) return 'missing -o OUT.wav';
  if (!isVoiceName(voice)) return `unknown voice '${voice}' (choose from ${VOICES.join(', ')})`;
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
      rate: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
