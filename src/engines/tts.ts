/**
 * Choosing a voice: the flite voices (streaming, natural enough) and espeak-ng (fast, robotic,
 * the fallback). Every synthesizer made here yields 16 kHz 20 ms frames.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { EspeakSynthesizer } from './espeak/espeak-synthesizer.js';
import { FLITE_VOICES, FliteSynthesizer, type FliteVoice } from './flite/flite-synthesizer.js';
import { EngineError, type Synthesizer } from './types.js';

export type VoiceName = 'slt' | 'rms' | 'awb' | 'kal16' | 'espeak';
export const VOICES: VoiceName[] = ['slt', 'rms', 'awb', 'kal16', 'espeak'];
export const DEFAULT_VOICE: VoiceName = 'slt';

export interface SynthesizerOptions {
  /** Speaking-rate factor: 1 = normal (default), 1.2 = a fifth faster. */
  rate?: number;
}

export function isVoiceName(name: string): name is VoiceName {
  return (VOICES as string[]).includes(name);
}

function isFliteVoice(voice: VoiceName): voice is FliteVoice {
  return (FLITE_VOICES as readonly string[]).includes(voice);
}

async function checkEspeakInstalled(): Promise<void> {
  try {
    await promisify(execFile)('espeak-ng', ['--version'], { timeout: 10_000 });
  } catch (cause) {
    throw new EngineError('espeak-ng', 'the espeak-ng program cannot be run', 'apt-get install espeak-ng', {
      cause,
    });
  }
}

/**
 * The synthesizer for `voice` (default 'slt'). Throws EngineError, with the fix, when that
 * voice's engine is not installed or built; it never silently swaps voices.
 */
export async function createSynthesizer(
  voice: VoiceName = DEFAULT_VOICE,
  opts: SynthesizerOptions = {},
): Promise<Synthesizer> {
  if (!isVoiceName(voice)) {
    throw new EngineError('tts', `unknown voice '${String(voice)}'`, `use one of ${VOICES.join(', ')}`);
  }
  if (isFliteVoice(voice)) return new FliteSynthesizer({ voice, rate: opts.rate ?? 1 });
  await checkEspeakInstalled();
  return new EspeakSynthesizer({ rate: opts.rate ?? 1 });
}

/**
 * Tries `voice`, then espeak-ng when that fails with an EngineError (an addon that is not built,
 * say). `onFallback` hears why; by default a process warning is emitted.
 */
export async function createSynthesizerWithFallback(
  voice: VoiceName = DEFAULT_VOICE,
  opts: SynthesizerOptions & { onFallback?: (error: EngineError) => void } = {},
): Promise<Synthesizer> {
  try {
    return await createSynthesizer(voice, opts);
  } catch (error) {
    if (!(error instanceof EngineError) || voice === 'espeak') throw error;
    const warn =
      opts.onFallback ?? ((e: EngineError) => process.emitWarning(`${e.message}; speaking with espeak-ng`));
    warn(error);
    return createSynthesizer('espeak', opts);
  }
}
