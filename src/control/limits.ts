/** Server-wide session limits from the environment. */
import type { SessionBudget } from './budget.js';

const ENV_KEYS: Record<keyof SessionBudget, string> = {
  maxCostUsd: 'PARLEY_MAX_SESSION_COST_USD',
  maxDurationMs: 'PARLEY_MAX_SESSION_MS',
  maxTurns: 'PARLEY_MAX_SESSION_TURNS',
};

/** Limits set in `env`; a malformed value is an error naming the variable. */
export function serverLimitsFromEnv(env: NodeJS.ProcessEnv): Partial<SessionBudget> {
  const limits: Partial<SessionBudget> = {};
  for (const [key, name] of Object.entries(ENV_KEYS) as [keyof SessionBudget, string][]) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`${name} must be a positive number, got '${raw}'`);
    limits[key] = value;
  }
  return limits;
}
