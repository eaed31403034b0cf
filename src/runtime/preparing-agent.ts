import type { AgentDefinition } from '../agent.js';

/**
 * @deprecated `prepare` is part of `AgentDefinition` now; this alias only keeps older imports
 * compiling and goes away once nothing imports it.
 */
export type PreparingAgent = Pick<AgentDefinition, 'prepare'>;
