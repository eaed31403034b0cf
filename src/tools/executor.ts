import type { Clock } from '../clock.js';
import { DEFAULT_TENANT, type ToolDefinition, type ToolOutcomeStatus } from './types.js';

export const DEFAULT_TOOL_TIMEOUT_MS = 5000;

export interface Execution {
  status: Extract<ToolOutcomeStatus, 'executed' | 'failed' | 'timeout' | 'cancelled'>;
  result?: unknown;
  reason?: string;
  durationMs: number;
}

class TimedOut extends Error {}

/**
 * Runs one tool with its timeout. The reply's signal aborts a cancellable tool mid-run; a
 * non-cancellable one (already committed to its side effect) runs to completion.
 */
export async function executeTool(
  tool: ToolDefinition,
  args: unknown,
  opts: { clock: Clock; signal: AbortSignal; sessionId: string; tenant?: string },
): Promise<Execution> {
  const started = opts.clock.now();
  const toolController = new AbortController();
  const timerController = new AbortController();
  const cancellable = tool.cancellable ?? true;
  const onReplyAbort = () => toolController.abort(opts.signal.reason);
  if (cancellable) opts.signal.addEventListener('abort', onReplyAbort, { once: true });
  const timeoutMs = tool.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
  const timeout = opts.clock.sleep(timeoutMs, timerController.signal).then(
    () => {
      throw new TimedOut();
    },
    () => new Promise<never>(() => {}),
  );
  const cancelled = new Promise<never>((_, reject) => {
    toolController.signal.addEventListener('abort', () => reject(toolController.signal.reason), {
      once: true,
    });
  });
  cancelled.catch(() => {});
  const elapsed = () => opts.clock.now() - started;
  try {
    const run = Promise.resolve().then(() =>
      tool.execute(args, {
        signal: toolController.signal,
        sessionId: opts.sessionId,
        tenant: opts.tenant ?? DEFAULT_TENANT,
      }),
    );
    const result = await Promise.race([run, timeout, cancelled]);
    return { status: 'executed', result, durationMs: elapsed() };
  } catch (err) {
    if (err instanceof TimedOut) {
      toolController.abort(new Error('timeout'));
      return {
        status: 'timeout',
        reason: `${tool.name} did not answer within ${timeoutMs} ms`,
        durationMs: elapsed(),
      };
    }
    if (toolController.signal.aborted) {
      return { status: 'cancelled', reason: 'the reply was interrupted', durationMs: elapsed() };
    }
    return {
      status: 'failed',
      reason: err instanceof Error ? err.message : String(err),
      durationMs: elapsed(),
    };
  } finally {
    timerController.abort();
    opts.signal.removeEventListener('abort', onReplyAbort);
  }
}
