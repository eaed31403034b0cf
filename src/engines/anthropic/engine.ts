/**
 * Anthropic's Messages API as the brain engine (ANTHROPIC_API_KEY, PARLEY_ANTHROPIC_URL,
 * PARLEY_ANTHROPIC_MODEL; spec parameters `anthropic:model=…,timeoutMs=…`). Creating the engine
 * asks for the model list once, so a rejected key or an unreachable server fails when the
 * runtime starts, with its fix, not at a caller's first turn.
 */
import type { EngineFactory } from '../engine.js';
import { anthropicBrainFromEnv } from './from-env.js';

export const anthropicBrainEngine: EngineFactory<'brain'> = async (settings, params) => {
  const brain = anthropicBrainFromEnv(settings.env, params);
  await brain.check();
  // The client holds no per-call state: every session shares it.
  return { name: 'anthropic', createBrain: () => brain };
};
