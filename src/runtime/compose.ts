/**
 * One engine from a spec as users write it: a registered name (`deepgram:model=nova-3`), a
 * fallback chain (`deepgram,embedded`) or hedged brains (`openai+anthropic`). Links come from the
 * runtime's cache, so an engine named twice loads once.
 */
import {
  type ChainOptions,
  chainEngines,
  createEngine,
  describeFailure,
  parseEngineSpec,
} from '../engines/catalog.js';
import type { EngineKind, EngineOf, EngineSettings } from '../engines/engine.js';
import { EngineError } from '../engines/types.js';
import { HedgedBrain } from '../conversation/hedging.js';

export interface ComposeDeps {
  /** The cached engine of one spec (the runtime's `engine`). */
  engine<K extends EngineKind>(kind: K, spec: string): Promise<EngineOf[K]>;
  settings: EngineSettings;
  chain: ChainOptions;
}

export async function composeEngine<K extends EngineKind>(
  kind: K,
  spec: string,
  deps: ComposeDeps,
): Promise<EngineOf[K]> {
  if (kind === 'brain' && spec.includes('+')) return hedge(spec, deps) as Promise<EngineOf[K]>;
  const parts = parseEngineSpec(spec);
  if (parts.length === 1) return createEngine(kind, spec, deps.settings);
  if (kind === 'vad') throw new EngineError('runtime', 'VAD engines do not form fallback chains');
  // Links that cannot even be created (no key, say) are left out, each reported as a handover.
  const made = await Promise.allSettled(parts.map((p) => deps.engine(kind, p.text)));
  const engines: EngineOf[K][] = [];
  const failed: { spec: string; reason: unknown }[] = [];
  made.forEach((result, i) => {
    const text = (parts[i] as { text: string }).text;
    if (result.status === 'rejected') {
      failed.push({ spec: text, reason: result.reason });
      return;
    }
    for (const f of failed.splice(0)) {
      deps.chain.report({ kind, from: f.spec, to: text, reason: describeFailure(f.reason) });
    }
    engines.push(result.value);
  });
  if (engines.length === 0) throw (made[0] as PromiseRejectedResult).reason;
  return chainEngines(kind, engines, deps.chain);
}

/**
 * `openai+anthropic`: every reply is asked of each brain at once and the first to say something
 * wins (the others are aborted), which cuts the slow tail of any one LLM. Each side may be a chain.
 */
async function hedge(spec: string, deps: ComposeDeps): Promise<EngineOf['brain']> {
  const sides = await Promise.all(spec.split('+').map((side) => deps.engine('brain', side.trim())));
  return {
    name: spec,
    createBrain: (agent, ctx) => new HedgedBrain(sides.map((engine) => engine.createBrain(agent, ctx))),
  };
}

/** Engine names of a spec without parameters (a chain's links); empty when it does not parse. */
export function specNames(spec: string): string[] {
  try {
    return spec
      .split('+')
      .flatMap((side) => parseEngineSpec(side.trim()))
      .map((p) => (Object.keys(p.params).length === 0 ? p.name : p.text));
  } catch {
    return [];
  }
}
