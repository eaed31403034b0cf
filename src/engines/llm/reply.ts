/**
 * What the OpenAI-compatible and the Anthropic brains do alike around one streamed reply: the
 * StreamGuard's lifetime, a barge-in ending quietly, and failures that are not the server's
 * answer turned into EngineErrors without the key.
 */
import { type BrainDelta, EngineError } from '../types.js';
import { redact, StreamGuard } from './stream-guard.js';

/** How a brain names its failures. */
export interface ReplyErrors {
  /** No data for the idle time. */
  timeout(cause?: unknown): EngineError;
  /** The SDK's own timeout error. */
  isTimeout(err: unknown): boolean;
  /** Any other failure. */
  failure(err: unknown): EngineError;
}

/**
 * Runs `stream` (the request and its events, yielding deltas as they come) under a StreamGuard
 * that closes the request on barge-in, when the consumer stops early and when the server stalls.
 * `stream` returns what to yield once the stream has ended in full (it may throw instead).
 */
export async function* guardedReply(
  signal: AbortSignal,
  idleMs: number,
  errors: ReplyErrors,
  stream: (guard: StreamGuard) => AsyncGenerator<BrainDelta, () => Iterable<BrainDelta>>,
): AsyncGenerator<BrainDelta> {
  if (signal.aborted) return;
  const guard = new StreamGuard(signal, idleMs);
  try {
    const finish = yield* stream(guard);
    // The SDKs end the stream quietly when it is aborted: tell a stall from a barge-in.
    if (guard.timedOut) throw errors.timeout();
    if (guard.stopped) return;
    yield* finish();
  } catch (err) {
    if (err instanceof EngineError) throw err;
    if (guard.timedOut || errors.isTimeout(err)) throw errors.timeout(err);
    // Aborted on purpose: a barge-in is not a failure.
    if (guard.stopped) return;
    throw errors.failure(err);
  } finally {
    guard.close();
  }
}

/** The request never reached the server (refused, DNS, TLS): the underlying cause, without the key. */
export function connectionFailure(
  engine: string,
  endpoint: string,
  err: Error,
  key: string | undefined,
  fix: string,
): EngineError {
  const cause = err.cause instanceof Error ? err.cause.message : err.message;
  return new EngineError(engine, `request to ${endpoint} failed: ${redact(cause, key)}`, fix, { cause: err });
}

/** Neither an HTTP answer nor a lost connection: a malformed event, or anything else thrown. */
export function otherFailure(
  engine: string,
  endpoint: string,
  err: unknown,
  key: string | undefined,
): EngineError {
  if (err instanceof SyntaxError) {
    return new EngineError(engine, 'malformed stream event (not JSON)', undefined, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new EngineError(engine, `request to ${endpoint} failed: ${redact(message, key)}`, undefined, {
    cause: err,
  });
}
