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

/** How many sessions may be live at once: on the whole server, and per API key (or phone account). */
export interface SessionCaps {
  /** Live sessions on this server, including those being created. Default 16 (`PARLEY_MAX_SESSIONS`). */
  maxActiveSessions: number;
  /**
   * Live sessions per API key, including those being created, so one key cannot hold every slot.
   * Default half the server cap, rounded up: 8 of 16 (`PARLEY_MAX_SESSIONS_PER_KEY`).
   */
  maxSessionsPerKey: number;
}

export const DEFAULT_MAX_ACTIVE_SESSIONS = 16;

function positiveInteger(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return value;
}

/** Session caps from options over `PARLEY_MAX_SESSIONS` / `PARLEY_MAX_SESSIONS_PER_KEY`, over the defaults. */
export function sessionCaps(env: NodeJS.ProcessEnv, given: Partial<SessionCaps> = {}): SessionCaps {
  const maxActiveSessions =
    given.maxActiveSessions ?? positiveInteger(env, 'PARLEY_MAX_SESSIONS') ?? DEFAULT_MAX_ACTIVE_SESSIONS;
  const maxSessionsPerKey =
    given.maxSessionsPerKey ??
    positiveInteger(env, 'PARLEY_MAX_SESSIONS_PER_KEY') ??
    Math.ceil(maxActiveSessions / 2);
  for (const [name, value] of Object.entries({ maxActiveSessions, maxSessionsPerKey })) {
    if (!Number.isInteger(value) || value <= 0)
      throw new Error(`${name} must be a positive integer, got ${value}`);
  }
  return { maxActiveSessions, maxSessionsPerKey };
}
