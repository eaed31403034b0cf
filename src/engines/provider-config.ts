/**
 * Settings every cloud adapter reads the same way: a key or a compatible server's URL from the
 * environment, voice lists from the spec, ms parameters, and no parameter the engine does not
 * know (a typo must fail the start, not be ignored).
 */
import type { EngineParams } from './engine.js';
import { isVoiceName } from './tts.js';
import { EngineError } from './types.js';

export interface KeyOrUrlSpec<K extends string, U extends string> {
  engine: string;
  keyVar: K;
  urlVar: U;
  /** The error's text when neither is set. Default `<keyVar> is not set`. */
  missing?: string;
  /** What the URL may point to instead, for the fix. Default 'a compatible server that needs no key'. */
  server?: string;
}

/** The key and URL variables, trimmed (empty is unset); throws unless at least one is set. */
export function requireKeyOrUrl<K extends string, U extends string>(
  env: Readonly<Partial<Record<K | U, string>>>,
  spec: KeyOrUrlSpec<K, U>,
): { apiKey: string | undefined; url: string | undefined } {
  const apiKey = env[spec.keyVar]?.trim() || undefined;
  const url = env[spec.urlVar]?.trim() || undefined;
  if (!apiKey && !url) {
    throw new EngineError(
      spec.engine,
      spec.missing ?? `${spec.keyVar} is not set`,
      `set ${spec.keyVar} (or ${spec.urlVar} for ${spec.server ?? 'a compatible server that needs no key'})`,
    );
  }
  return { apiKey, url };
}

/** Throws on the first parameter not in `allowed`, naming those that are. */
export function checkParams(
  params: EngineParams,
  allowed: readonly string[],
  engine: string,
  example?: string,
): void {
  const unknown = Object.keys(params).find((k) => !allowed.includes(k));
  if (unknown !== undefined) {
    throw new EngineError(
      engine,
      `unknown parameter '${unknown}'`,
      `use ${allowed.join(', ')}${example ? ` (e.g. ${example})` : ''}`,
    );
  }
}

/** The entries of a `a|b|c` parameter, trimmed, empty ones dropped. */
export function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split('|')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/**
 * Voice ids from the spec (`voice`, then `voices=a|b`) and the runtime's configured voice
 * (unless it names an embedded voice, which no cloud engine has), without repeats; `fallback`
 * when there are none.
 */
export function listedVoices(
  params: EngineParams,
  configured: string | undefined,
  fallback: string,
): string[] {
  const listed = [
    ...(params.voice ? [params.voice] : []),
    ...splitList(params.voices),
    ...(configured && !isVoiceName(configured) ? [configured] : []),
  ];
  return listed.length > 0 ? [...new Set(listed)] : [fallback];
}

/**
 * The voice a session asked for (the engine's default when none), or an EngineError saying
 * `unknown(voice)`, the voices there are and `howToAdd` one.
 */
export function chooseVoice(
  voice: string | undefined,
  engine: { name: string; voices: readonly string[]; defaultVoice: string },
  unknown: (voice: string) => string,
  howToAdd: string,
): string {
  const chosen = voice ?? engine.defaultVoice;
  if (!engine.voices.includes(chosen)) {
    throw new EngineError(
      engine.name,
      unknown(chosen),
      `use one of ${engine.voices.join(', ')}, or add it with ${howToAdd}`,
    );
  }
  return chosen;
}

/** A duration parameter in ms: `fallback` when absent or empty, else a number ≥ `min`. */
export function msParam(
  params: EngineParams,
  name: string,
  fallback: number,
  engine: string,
  min = 100,
): number {
  const raw = params[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) {
    throw new EngineError(engine, `${name} must be a number of ms ≥ ${min}, got '${raw}'`);
  }
  return value;
}
