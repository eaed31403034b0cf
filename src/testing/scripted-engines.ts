/**
 * The deterministic engines as runtime engines, so tests (and users' agent tests) compose
 * sessions exactly as production does, with `createRuntime({ engines: scriptedEngines(...) })`.
 */
import type { RecognizerEngine, SynthesizerEngine, VadEngine } from '../engines/engine.js';
import { EnergyVad, type EnergyVadOptions } from './engines/energy-vad.js';
import { ScriptedRecognizer, type ScriptedUtterance } from './engines/scripted-recognizer.js';
import { ToneSynthesizer, type ToneSynthesizerOptions } from './engines/tone-synthesizer.js';

export interface ScriptedEnginesOptions {
  /** What each session's caller utterances are recognized as, in order. */
  script: (string | ScriptedUtterance)[];
  /** Voiced audio per word revealed in partials. Default 150 ms. */
  msPerWord?: number;
  /** Agent audio per character. Default 60 ms. */
  msPerChar?: number;
  vad?: EnergyVadOptions;
  tone?: Omit<ToneSynthesizerOptions, 'clock' | 'msPerChar'>;
}

/** VAD 'energy', recognizer 'scripted' and synthesizer 'tone'; the brain stays the runtime's default (the agent's own). */
export function scriptedEngines(opts: ScriptedEnginesOptions): {
  vad: VadEngine;
  stt: RecognizerEngine;
  tts: SynthesizerEngine;
} {
  const vad: VadEngine = { name: 'energy', createVad: () => new EnergyVad(opts.vad) };
  const stt: RecognizerEngine = {
    name: 'scripted',
    async createRecognizer(_domain, { clock }) {
      return new ScriptedRecognizer({
        clock,
        script: opts.script,
        ...(opts.msPerWord !== undefined ? { msPerWord: opts.msPerWord } : {}),
      });
    },
  };
  const tts: SynthesizerEngine = {
    name: 'tone',
    voices: ['tone'],
    defaultVoice: 'tone',
    async synthesizer(_voice, { clock }) {
      return new ToneSynthesizer({
        clock,
        ...opts.tone,
        ...(opts.msPerChar !== undefined ? { msPerChar: opts.msPerChar } : {}),
      });
    },
  };
  return { vad, stt, tts };
}
