/** The OpenAI-compatible brain the environment configures (PARLEY_LLM_*), if any. */
import { EngineError } from '../types.js';
import { OpenAiBrain } from './openai-brain.js';

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
export function brainFromEnv(env: LlmEnv = process.env): OpenAiBrain | undefined {
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
