import { z } from 'zod';
import type { ToolDefinition } from './types.js';

export interface ValidationLimits {
  /** Longest raw argument text accepted, in characters. Default 8000. */
  maxArgumentChars: number;
  /** Longest single string value accepted, in characters. Default 500. */
  maxStringChars: number;
}

export const DEFAULT_VALIDATION_LIMITS: ValidationLimits = { maxArgumentChars: 8000, maxStringChars: 500 };

export type Validation = { ok: true; args: unknown } | { ok: false; reason: string };

/** Objects are checked strictly: a field the schema does not name is an error, not silently dropped. */
function strictSchema(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodObject ? (schema as z.ZodObject).strict() : schema;
}

function longestString(value: unknown, path: string): { path: string; length: number } | undefined {
  if (typeof value === 'string') return { path, length: value.length };
  let best: { path: string; length: number } | undefined;
  const visit = (child: unknown, childPath: string) => {
    const found = longestString(child, childPath);
    if (found && (!best || found.length > best.length)) best = found;
  };
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) visit(v, `${path}[${i}]`);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) visit(v, path ? `${path}.${k}` : k);
  }
  return best;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'arguments'}: ${issue.message}`)
    .join('; ');
}

/** Parses and checks a brain's raw argument text against the tool's schema. Never throws. */
export function validateArguments(
  tool: ToolDefinition,
  rawArguments: string,
  limits: ValidationLimits = DEFAULT_VALIDATION_LIMITS,
): Validation {
  if (rawArguments.length > limits.maxArgumentChars) {
    return {
      ok: false,
      reason: `arguments are ${rawArguments.length} characters; the limit is ${limits.maxArgumentChars}`,
    };
  }
  let parsed: unknown;
  try {
    parsed = rawArguments.trim() === '' ? {} : JSON.parse(rawArguments);
  } catch (err) {
    return { ok: false, reason: `arguments are not valid JSON (${(err as Error).message})` };
  }
  const longest = longestString(parsed, '');
  if (longest && longest.length > limits.maxStringChars) {
    return {
      ok: false,
      reason: `${longest.path || 'value'} is ${longest.length} characters; the limit is ${limits.maxStringChars}`,
    };
  }
  const result = strictSchema(tool.schema).safeParse(parsed);
  if (!result.success) return { ok: false, reason: `invalid arguments: ${describeIssues(result.error)}` };
  return { ok: true, args: result.data };
}

/** Stable text form of validated arguments, to recognise "the same call" again. */
export function argumentsKey(name: string, args: unknown): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([k, v]) => [k, canonical(v)]),
      );
    }
    return value;
  };
  return `${name}:${JSON.stringify(canonical(args))}`;
}
