/** Any OpenAI-compatible chat-completions server as the brain engine, configured by PARLEY_LLM_*. */
import type { EngineFactory } from '../engine.js';
import { EngineError } from '../types.js';
import { brainFromEnv } from './from-env.js';

export const openAiBrainEngine: EngineFactory<'brain'> = async (settings) => {
  const brain = brainFromEnv(settings.env);
  if (!brain) {
    throw new EngineError(
      'openai',
      'no LLM is configured',
      'set PARLEY_LLM_BASE_URL and PARLEY_LLM_MODEL (and PARLEY_LLM_API_KEY if the server needs one)',
    );
  }
  // A wrong key or a server that is not there is reported now, not at a caller's first turn.
  await brain.check();
  // The client holds no per-call state: every session shares it.
  return { name: 'openai', createBrain: () => brain };
};
