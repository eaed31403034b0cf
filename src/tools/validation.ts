import { z } from 'zod';
import type { ToolDefinition } from './types.js';

export interface ValidationLimits {
  /** Longest raw argument text accepted, in characters. Default 8000. */
  maxArgumentChars: number;
  /** Longest single string value accepted, in characters. Default 500. */
  maxStringChars: number;
  /** Deepest nesting of arrays and objects accepted. Default 32. */
  maxDepth?: number;
}

export const DEFAULT_VALIDATION_LIMITS = {
  maxArgumentChars: 8000,
  maxStringChars: 500,
  maxDepth: 32,
} satisfies ValidationLimits;

export type Validation = { ok: true; args: unknown } | { ok: false; reason: string };

/** Objects are checked strictly: a field the schema does not name is an error, not silently dropped. */
function strictSchema(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodObject ? (schema as z.ZodObject).strict() : schema;
}

/**
 * The longest string and the deepest nesting in a parsed value, walked without recursion: a model
 * may propose `[[[[…]]]]` thousands of levels deep, which would overflow the stack.
 */
function measure(value: unknown): { longest?: { path: string; length: number }; depth: number } {
  let longest: { path: string; length: number } | undefined;
  let depth = 0;
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; path: string; depth: number };
    depth = Math.max(depth, item.depth);
    if (typeof item.value === 'string') {
      if (!longest || item.value.length > longest.length)
        longest = { path: item.path, length: item.value.length };
    } else if (item.value && typeof item.value === 'object') {
      const entries = Array.isArray(item.value)
        ? item.value.map((v, i) => [`${item.path}[${i}]`, v] as const)
        : Object.entries(item.value).map(([k, v]) => [item.path ? `${item.path}.${k}` : k, v] as const);
      // Pushed last first, so values are visited in document order (ties name the first).
      for (const [path, v] of entries.reverse()) stack.push({ value: v, path, depth: item.depth + 1 });
    }
  }
  return { ...(longest ? { longest } : {}), depth };
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
  const { longest, depth } = measure(parsed);
  const maxDepth = limits.maxDepth ?? DEFAULT_VALIDATION_LIMITS.maxDepth;
  if (depth > maxDepth) {
    return { ok: false, reason: `arguments nest ${depth} levels deep; the limit is ${maxDepth}` };
  }
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
