/**
 * The runtime's configuration, with one precedence everywhere: command-line flag, then
 * environment variable, then default. An unknown value is an error naming the allowed ones.
 */
import { engineNames, isEngineSpecKnown } from '../engines/catalog.js';
import type { EngineKind } from '../engines/engine.js';
import type { Agent, AgentDefinition } from '../agent.js';
import { createWarmRuntime, type Runtime } from './runtime.js';

export interface RuntimeConfig {
  /** SQLite file, language-model cache, agents' data. Flag --data-dir, env PARLEY_DATA_DIR, default '.parley'. */
  dataDir: string;
  /** Default voice. Flag --voice, env PARLEY_VOICE, default: the synthesizer's own (slt). */
  voice?: string;
  /** Flag --lm, env PARLEY_LM: 'domain' (default) or 'generic'. */
  lm: 'domain' | 'generic';
  /** The agent, by built-in name or module path. Flag --agent, env PARLEY_AGENT, default 'package-tracker'. */
  agent: string;
  /** Speech recognizer engine or fallback chain ('deepgram,embedded'). Flag --stt, env PARLEY_STT, default 'embedded'. */
  stt: string;
  /** Speech synthesizer engine or fallback chain ('elevenlabs,embedded'). Flag --tts, env PARLEY_TTS, default 'embedded'. */
  tts: string;
  /** Brain engine. Flag --brain, env PARLEY_BRAIN; default 'openai' when PARLEY_LLM_BASE_URL is set, else 'agent'. */
  brain: string;
}

export type ConfigFlags = Partial<Record<keyof RuntimeConfig, string | undefined>>;

/** The environment variable behind each setting. */
export const CONFIG_ENV: Record<keyof RuntimeConfig, string> = {
  dataDir: 'PARLEY_DATA_DIR',
  voice: 'PARLEY_VOICE',
  lm: 'PARLEY_LM',
  agent: 'PARLEY_AGENT',
  stt: 'PARLEY_STT',
  tts: 'PARLEY_TTS',
  brain: 'PARLEY_BRAIN',
};

const FLAG: Record<keyof RuntimeConfig, string> = {
  dataDir: '--data-dir',
  voice: '--voice',
  lm: '--lm',
  agent: '--agent',
  stt: '--stt',
  tts: '--tts',
  brain: '--brain',
};

/**
 * The agent reference alone (flag > PARLEY_AGENT > 'package-tracker'). Commands load the agent
 * module before the rest is checked, so engines it registers are known by then.
 */
export function resolveAgentRef(flag: string | undefined, env: Env = process.env): string {
  return flag ?? (env[CONFIG_ENV.agent]?.trim() || 'package-tracker');
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

export function resolveRuntimeConfig(flags: ConfigFlags, env: Env = process.env): RuntimeConfig {
  const pick = (key: keyof RuntimeConfig): { value: string; from: string } | undefined => {
    const flag = flags[key];
    if (flag !== undefined) return { value: flag, from: FLAG[key] };
    const fromEnv = env[CONFIG_ENV[key]]?.trim();
    if (fromEnv) return { value: fromEnv, from: CONFIG_ENV[key] };
    return undefined;
  };
  const oneOf = (key: keyof RuntimeConfig, allowed: readonly string[], fallback: string): string => {
    const chosen = pick(key);
    if (!chosen) return fallback;
    if (!allowed.includes(chosen.value)) {
      throw new ConfigError(
        `${chosen.from} '${chosen.value}' is not allowed; use one of: ${allowed.join(', ')}`,
      );
    }
    return chosen.value;
  };
  // A name, a name with parameters (`sim:ttftMs=450`) or a fallback chain (`deepgram,embedded`).
  const engine = (key: Exclude<EngineKind, 'vad'>, fallback: string): string => {
    const chosen = pick(key);
    if (!chosen) return fallback;
    if (!isEngineSpecKnown(key, chosen.value)) {
      throw new ConfigError(
        `${chosen.from} '${chosen.value}' is not allowed; use one of: ${engineNames(key).join(', ')}, or several separated by commas (a fallback chain)`,
      );
    }
    return chosen.value;
  };
  const voice = pick('voice');
  const dataDir = pick('dataDir');
  if (dataDir && dataDir.value.trim() === '') throw new ConfigError(`${dataDir.from} must not be empty`);
  return {
    dataDir: dataDir?.value ?? '.parley',
    ...(voice ? { voice: voice.value } : {}),
    lm: oneOf('lm', ['domain', 'generic'], 'domain') as 'domain' | 'generic',
    agent: resolveAgentRef(flags.agent, env),
    stt: engine('stt', 'embedded'),
    tts: engine('tts', 'embedded'),
    brain: engine('brain', env.PARLEY_LLM_BASE_URL?.trim() ? 'openai' : 'agent'),
  };
}

/**
 * A runtime as configured, with its default engines loaded now (a wrong voice or a missing
 * LLM setting is reported at start, not in the first call).
 */
export async function createConfiguredRuntime(
  config: RuntimeConfig,
  opts: { agent?: Agent | AgentDefinition; env?: Env; speakingRate?: number } = {},
): Promise<Runtime> {
  return createWarmRuntime({
    engines: { vad: 'silero', stt: config.stt, tts: config.tts, brain: config.brain },
    settings: {
      dataDir: config.dataDir,
      lm: config.lm,
      env: opts.env ?? process.env,
      ...(config.voice !== undefined ? { voice: config.voice } : {}),
      ...(opts.speakingRate !== undefined ? { speakingRate: opts.speakingRate } : {}),
    },
    ...(opts.agent ? { agent: opts.agent } : {}),
  });
}
