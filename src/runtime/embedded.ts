/**
 * The embedded offline stack as a preset: Silero VAD, pocketsphinx with the agent's domain
 * language model, flite/espeak-ng voices and the agent's own dialogue engine (or the LLM that
 * PARLEY_LLM_* names). No API key, nothing downloaded.
 */
import type { Agent, AgentDefinition } from '../agent.js';
import { createWarmRuntime, type Runtime, type RuntimeEngines } from './runtime.js';

/** The embedded engines by registered name. */
export const EMBEDDED_ENGINES = {
  vad: 'silero',
  stt: 'embedded',
  tts: 'embedded',
  brain: 'agent',
} as const satisfies RuntimeEngines;

export interface EmbeddedRuntimeOptions {
  /** Where built language models (and agents' data) live. Default '.parley'. */
  dataDir?: string;
  /** The default voice: slt, rms, awb, kal16 or espeak. Default 'slt'; another is an error naming these. */
  voice?: string;
  /** 'domain' (default): a language model built from the agent's phrase templates; 'generic': stock en-us. */
  lm?: 'domain' | 'generic';
  /** Speaking-rate factor for the voice. Default 1. */
  speakingRate?: number;
  /** The agent of sessions that name none. */
  agent?: Agent | AgentDefinition;
}

/**
 * A runtime on the embedded engines, with the VAD and the default voice loaded (so a broken
 * install fails here, with its fix, not in the first call). Recognizers load per agent on
 * first use or `prepare`.
 */
export async function createEmbeddedRuntime(opts: EmbeddedRuntimeOptions = {}): Promise<Runtime> {
  return createWarmRuntime({
    engines: { vad: EMBEDDED_ENGINES.vad, stt: EMBEDDED_ENGINES.stt, tts: EMBEDDED_ENGINES.tts },
    settings: {
      ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
      ...(opts.voice !== undefined ? { voice: opts.voice } : {}),
      ...(opts.lm !== undefined ? { lm: opts.lm } : {}),
      ...(opts.speakingRate !== undefined ? { speakingRate: opts.speakingRate } : {}),
    },
    ...(opts.agent ? { agent: opts.agent } : {}),
  });
}
