/**
 * Engines by name. Each adapter registers a factory once (`catalog.ts`); the runtime, the CLI
 * and the sessions API choose engines by these names. Users add their own with `registerEngine`.
 */
import type { EngineFactory, EngineKind, EngineOf, EngineSettings } from './engine.js';
import { parseEngineSpec } from './engine-spec.js';

export { type EngineSpec, parseEngineSpec } from './engine-spec.js';
import { EngineError } from './types.js';

interface Registration<K extends EngineKind> {
  create: EngineFactory<K>;
  description: string;
  available?: (settings: Pick<EngineSettings, 'env'>) => boolean;
}

export interface EngineRegistrationOptions {
  /** Whether the engine can be offered with these settings (its key or URL is configured, say). Default: always. */
  available?(settings: Pick<EngineSettings, 'env'>): boolean;
}

const registry: { [K in EngineKind]: Map<string, Registration<K>> } = {
  vad: new Map(),
  stt: new Map(),
  tts: new Map(),
  brain: new Map(),
};

const ENGINE_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Makes `name` available for `kind` (replacing an earlier registration of the same name). */
export function registerEngine<K extends EngineKind>(
  kind: K,
  name: string,
  create: EngineFactory<K>,
  description = '',
  options: EngineRegistrationOptions = {},
): void {
  if (!ENGINE_NAME.test(name)) {
    throw new TypeError(`engine name '${name}' must be lowercase letters, digits, '.', '_' or '-'`);
  }
  (registry[kind] as Map<string, Registration<K>>).set(name, {
    create,
    description,
    ...(options.available ? { available: options.available } : {}),
  });
}

/** Whether `name` is registered for `kind` and usable with these settings. */
export function isEngineAvailable(
  kind: EngineKind,
  name: string,
  settings: Pick<EngineSettings, 'env'>,
): boolean {
  const registration = registry[kind].get(name);
  return registration !== undefined && (registration.available?.(settings) ?? true);
}

/** Whether every engine of a spec (`name`, `name:params`, a chain `a,b`, or hedged brains `a+b`) is registered for `kind`. */
export function isEngineSpecKnown(kind: EngineKind, spec: string): boolean {
  try {
    // `a+b` hedges brains: every side must be known.
    const sides = kind === 'brain' ? spec.split('+') : [spec];
    return sides.every((side) => parseEngineSpec(side.trim()).every((part) => registry[kind].has(part.name)));
  } catch {
    return false;
  }
}

/** Registered names for `kind`, in registration order. */
export function engineNames(kind: EngineKind): string[] {
  return [...registry[kind].keys()];
}

/** Names with their descriptions, for listings and `--help`. */
export function describeEngines(kind: EngineKind): { name: string; description: string }[] {
  return [...registry[kind].entries()].map(([name, r]) => ({ name, description: r.description }));
}

/**
 * Creates one engine of `kind` from its name and parameters (`name` or `name:key=value,...`; a
 * chain is the runtime's business); an unknown name is an error naming the known ones.
 */
export async function createEngine<K extends EngineKind>(
  kind: K,
  spec: string,
  settings: EngineSettings,
): Promise<EngineOf[K]> {
  const parts = parseEngineSpec(spec);
  const part = parts[0];
  if (!part || parts.length > 1) {
    throw new EngineError('runtime', `'${spec}' names ${parts.length} engines; createEngine makes one`);
  }
  const registration = (registry[kind] as Map<string, Registration<K>>).get(part.name);
  if (!registration) {
    throw new EngineError(
      'runtime',
      `unknown ${kind} engine '${part.name}'`,
      `use one of: ${engineNames(kind).join(', ') || '(none registered)'}`,
    );
  }
  return registration.create(settings, part.params);
}
