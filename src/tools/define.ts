/** `defineTool`: a tool as an agent author writes it, turned into the gateway's ToolDefinition. */
import type { z } from 'zod';
import type { ToolContext, ToolDefinition, ToolEffect } from './types.js';

/**
 * read-only: may run while the caller is still talking (prefetch) and be cancelled by barge-in.
 * side-effect: only after the caller's turn is committed, never from a cancelled reply.
 * needs-confirmation: a side effect that also waits for the caller's explicit "yes".
 */
export type ToolKind = 'read-only' | 'side-effect' | 'needs-confirmation';

export interface ToolSpec<Args, Result> {
  /** What the model calls it: letters, digits and underscores. */
  name: string;
  /** What it does, for the model. */
  description: string;
  /** Arguments, validated before anything runs; a strict object is best (unknown keys refused). */
  schema: z.ZodType<Args>;
  kind: ToolKind;
  /** Hard limit for one run, ms. Default 5000. */
  timeoutMs?: number;
  /** After this long the caller hears the filler. Default 800 ms. */
  slowAfterMs?: number;
  /** Spoken when the tool keeps the caller waiting ("Let me look that up."). Default: the session's `fillerText`. */
  filler?: string;
  /** Whether barge-in may abort a run in progress. Default: true for read-only tools, false otherwise. */
  cancellable?: boolean;
  execute(args: Args, ctx: ToolContext): Promise<Result> | Result;
}

const EFFECT: Record<ToolKind, ToolEffect> = {
  'read-only': 'read_only',
  'side-effect': 'side_effect',
  'needs-confirmation': 'needs_confirmation',
};

const TOOL_NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,63}$/;

export function defineTool<Args, Result>(spec: ToolSpec<Args, Result>): ToolDefinition<Args, Result> {
  if (!TOOL_NAME.test(spec.name))
    throw new TypeError(`tool name '${spec.name}' must start with a letter and use letters, digits, _`);
  const effect = EFFECT[spec.kind];
  if (!effect)
    throw new TypeError(`tool '${spec.name}': kind must be one of ${Object.keys(EFFECT).join(', ')}`);
  if (spec.timeoutMs !== undefined && !(spec.timeoutMs > 0))
    throw new TypeError(`tool '${spec.name}': timeoutMs must be a positive number of ms`);
  return {
    name: spec.name,
    description: spec.description,
    schema: spec.schema,
    effect,
    ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}),
    ...(spec.filler !== undefined ? { filler: spec.filler } : {}),
    ...(spec.slowAfterMs !== undefined ? { slowAfterMs: spec.slowAfterMs } : {}),
    cancellable: spec.cancellable ?? effect === 'read_only',
    execute: async (args, ctx) => spec.execute(args, ctx),
  };
}
