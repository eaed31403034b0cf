/** The agent's own embedded brain (its rule-based dialogue engine) as a brain engine. */
import type { EngineFactory } from './engine.js';
import { EngineError } from './types.js';

export const agentBrainEngine: EngineFactory<'brain'> = async () => ({
  name: 'agent',
  createBrain(agent) {
    if (!agent.createBrain) {
      throw new EngineError(
        'brain',
        `agent '${agent.name}' has no embedded brain`,
        'configure an LLM with PARLEY_LLM_BASE_URL and PARLEY_LLM_MODEL, or choose another brain engine',
      );
    }
    return agent.createBrain();
  },
});
