/** Which brain a session gets: an LLM when the environment names one, otherwise the agent's own. */
import type { AgentDefinition } from '../agent.js';
import type { SessionOptions } from '../conversation/options.js';
import { OpenAiBrain } from '../engines/openai/openai-brain.js';
import { type Brain, EngineError } from '../engines/types.js';

export interface LlmEnv {
  PARLEY_LLM_BASE_URL?: string;
  PARLEY_LLM_MODEL?: string;
  PARLEY_LLM_API_KEY?: string;
  PARLEY_LLM_TEMPERATURE?: string;
}

/**
 * An OpenAiBrain when PARLEY_LLM_BASE_URL is set (PARLEY_LLM_MODEL is then required;
 * PARLEY_LLM_API_KEY and PARLEY_LLM_TEMPERATURE are optional); undefined when it is not.
 */
export function brainFromEnv(env: LlmEnv = process.env): Brain | undefined {
  const baseUrl = env.PARLEY_LLM_BASE_URL?.trim();
  if (!baseUrl) return undefined;
  const model = env.PARLEY_LLM_MODEL?.trim();
  if (!model) {
    throw new EngineError(
      'openai',
      'PARLEY_LLM_BASE_URL is set but PARLEY_LLM_MODEL is not',
      'set PARLEY_LLM_MODEL',
    );
  }
  const opts: ConstructorParameters<typeof OpenAiBrain>[0] = { baseUrl, model };
  if (env.PARLEY_LLM_API_KEY) opts.apiKey = env.PARLEY_LLM_API_KEY;
  if (env.PARLEY_LLM_TEMPERATURE) {
    const temperature = Number(env.PARLEY_LLM_TEMPERATURE);
    if (!Number.isFinite(temperature) || temperature < 0 || temperature > 2) {
      throw new EngineError(
        'openai',
        `PARLEY_LLM_TEMPERATURE must be a number from 0 to 2, got '${env.PARLEY_LLM_TEMPERATURE}'`,
      );
    }
    opts.temperature = temperature;
  }
  return new OpenAiBrain(opts);
}

/**
 * The brain a session gets (`explicit`, else the LLM the environment names, else the agent's
 * own) and the session options that go with it: an LLM writes the call's running summary
 * itself (`summarizer: 'brain'`), the embedded brains use the slot summary.
 */
export function sessionBrain(
  agent: Pick<AgentDefinition, 'createBrain'>,
  explicit?: Brain,
  env: LlmEnv = process.env,
): { brain: Brain; options: Partial<SessionOptions> } {
  const brain = explicit ?? brainFromEnv(env) ?? agent.createBrain();
  return { brain, options: brain instanceof OpenAiBrain ? { summarizer: 'brain' } : {} };
}
