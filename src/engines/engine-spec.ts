/**
 * Engine specs as users write them: `deepgram`, `sim:ttftMs=450,tps=40`, or a fallback chain
 * `deepgram,embedded`. A comma starts the next engine unless what follows is another
 * `key=value` of the same engine's parameters.
 */
import type { EngineParams } from './engine.js';
import { EngineError } from './types.js';

export interface EngineSpec {
  /** The registered name. */
  name: string;
  params: EngineParams;
  /** The spec as written (name and parameters), the engine's key in caches and logs. */
  text: string;
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const PARAM = /^([A-Za-z][A-Za-z0-9_]*)=(.*)$/;

function parseOne(text: string): EngineSpec {
  const colon = text.indexOf(':');
  const name = colon < 0 ? text : text.slice(0, colon);
  if (!NAME.test(name)) {
    throw new EngineError(
      'runtime',
      `'${text}' is not an engine name (lowercase letters, digits, '.', '_' or '-')`,
    );
  }
  const params: Record<string, string> = {};
  if (colon >= 0) {
    for (const part of text.slice(colon + 1).split(',')) {
      const m = PARAM.exec(part.trim());
      if (!m) throw new EngineError('runtime', `engine parameter '${part}' of '${name}' is not key=value`);
      params[m[1] as string] = (m[2] as string).trim();
    }
  }
  return { name, params, text };
}

/** The engines of a spec, in fallback order (one for a plain name). */
export function parseEngineSpec(spec: string): EngineSpec[] {
  const parts: string[] = [];
  for (const raw of spec.split(',')) {
    const piece = raw.trim();
    const last = parts.length - 1;
    // `tps=40` after `sim:ttftMs=450` continues that engine's parameters.
    if (last >= 0 && PARAM.test(piece) && (parts[last] as string).includes(':')) parts[last] += `,${piece}`;
    else parts.push(piece);
  }
  if (parts.length === 0 || parts.some((p) => p === '')) {
    throw new EngineError('runtime', `engine spec '${spec}' has an empty name`);
  }
  return parts.map(parseOne);
}
