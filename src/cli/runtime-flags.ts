/** The flags every command that runs sessions shares (serve, call, eval), resolved flag > environment > default. */
import { builtinAgentNames } from '../apps/load-agent.js';
import { describeEngines } from '../engines/catalog.js';
import {
  type ConfigFlags,
  resolveAgentRef,
  resolveRuntimeConfig,
  type RuntimeConfig,
} from '../runtime/config.js';

export const RUNTIME_FLAG_OPTIONS = {
  agent: { type: 'string' },
  'data-dir': { type: 'string' },
  voice: { type: 'string' },
  lm: { type: 'string' },
  stt: { type: 'string' },
  tts: { type: 'string' },
  brain: { type: 'string' },
} as const;

export function runtimeFlagUsage(): string {
  const names = (kind: 'stt' | 'tts' | 'brain') =>
    describeEngines(kind)
      .map((e) => e.name)
      .join(', ');
  return `  --agent NAME|PATH    the agent: ${builtinAgentNames().join(', ')}, or a .ts/.js file whose default
                       export is defineAgent(...) (env PARLEY_AGENT; default package-tracker)
  --data-dir DIR       SQLite file, model caches, agents' data (env PARLEY_DATA_DIR; default .parley)
  --voice NAME         the agent's voice, e.g. slt, rms, awb, kal16, espeak (env PARLEY_VOICE; default slt)
  --lm domain|generic  recognizer language model (env PARLEY_LM; default domain: built from the agent's phrases)
  --stt NAME           speech recognizer: ${names('stt')} (env PARLEY_STT; default embedded)
  --tts NAME           speech synthesizer: ${names('tts')} (env PARLEY_TTS; default embedded)
  --brain NAME         brain: ${names('brain')} (env PARLEY_BRAIN; default openai when
                       PARLEY_LLM_BASE_URL is set, else agent)`;
}

type RuntimeFlagValues = Partial<Record<keyof typeof RUNTIME_FLAG_OPTIONS, string>>;

/** The agent reference alone (flag > PARLEY_AGENT > default), loaded before engine names are checked. */
export function agentRefFrom(values: RuntimeFlagValues, env = process.env): string {
  return resolveAgentRef(values.agent, env);
}

/** Flags (as parseArgs gives them) + environment → configuration; throws ConfigError on a bad value. */
export function runtimeConfigFrom(values: RuntimeFlagValues, env = process.env): RuntimeConfig {
  const flags: ConfigFlags = {
    agent: values.agent,
    dataDir: values['data-dir'],
    voice: values.voice,
    lm: values.lm,
    stt: values.stt,
    tts: values.tts,
    brain: values.brain,
  };
  return resolveRuntimeConfig(flags, env);
}
