/**
 * The agents that ship with Parley, by name: `--agent NAME` and `POST /v1/sessions {agent}`
 * reach them. Each loads on first use. One line per agent.
 */
import type { Agent } from '../index.js';

type AgentLoader = () => Promise<{ default: Agent }>;

export const BUILTIN_AGENTS: Record<string, AgentLoader> = {
  'package-tracker': () => import('./package-tracker/agent.js'),
  'voice-mirror': () => import('./voice-mirror/agent.js'),
  'store-controller': () => import('./store-controller/agent.js'),
  'roleplay-support': () => import('./roleplay-support/agent.js'),
};
