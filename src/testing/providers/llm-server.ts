/**
 * What the local LLM servers (OpenAI chat completions, Anthropic Messages) do alike: record each
 * request's response lifecycle, relay a Parley brain's reply with the mid-stream failure modes,
 * and mark the responses still open as dropped when the server closes.
 */
import type { Server, ServerResponse } from 'node:http';
import type { Brain, BrainContext, BrainDelta, ChatMessage, ToolSpec } from '../../engines/types.js';
import { closeServer, sleep } from './local-server.js';

/**
 * What a server does instead of answering: `rate_limit`, `overloaded` and `server_error` (each
 * server with its protocol's status and body); `stall`: never answers; `stall_mid_stream`,
 * `drop_mid_stream`, `error_mid_stream`: after the first delta, goes quiet, closes the socket,
 * or sends the protocol's error event and ends.
 */
export type LlmFailure =
  | 'rate_limit'
  | 'overloaded'
  | 'server_error'
  | 'stall'
  | 'stall_mid_stream'
  | 'drop_mid_stream'
  | 'error_mid_stream';

/** One request and how its response went. */
export interface RecordedLlmRequest {
  /** Status answered; 0 while none was (stalled). */
  status: number;
  authorized: boolean;
  /** The request body as sent. */
  body: Record<string, unknown>;
  /** The conversation as the brain was given it. */
  messages: ChatMessage[];
  tools: ToolSpec[];
  /** What was streamed back, as Parley deltas. */
  deltas: BrainDelta[];
  /** The response was sent to its end. */
  finished: boolean;
  /** The client closed the connection before the response ended (a barge-in, a lost hedge). */
  closedByClient: boolean;
  /** The server closed it (`drop_mid_stream`, or `close()` while it was open). */
  droppedByServer: boolean;
  /** Settles when the response ended or the connection closed. */
  ended: Promise<void>;
}

/** A fresh record (`make` adds a server's own fields), kept up to date from `res`'s events. */
export function trackRequest<R extends RecordedLlmRequest>(
  res: ServerResponse,
  make: (base: RecordedLlmRequest) => R,
): R {
  let ended!: () => void;
  const record = make({
    status: 0,
    authorized: false,
    body: {},
    messages: [],
    tools: [],
    deltas: [],
    finished: false,
    closedByClient: false,
    droppedByServer: false,
    ended: new Promise<void>((resolve) => {
      ended = resolve;
    }),
  });
  res.on('finish', () => {
    record.finished = true;
  });
  res.on('close', () => {
    if (res.headersSent) record.status = res.statusCode;
    if (!res.writableFinished && !record.droppedByServer) record.closedByClient = true;
    ended();
  });
  return record;
}

/** Closes the server; responses still open count as dropped by it. */
export async function closeLlmServer(server: Server, requests: readonly RecordedLlmRequest[]): Promise<void> {
  for (const r of requests) if (!r.finished && !r.closedByClient) r.droppedByServer = true;
  await closeServer(server);
}

/** A rough token count for usage when the brain reports none. */
export const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));
/** Pieces of a tool call's arguments, streamed as a model writes them. */
export const fragments = (text: string) => text.match(/[\s\S]{1,12}/g) ?? [];

export type ContentDelta = Exclude<BrainDelta, { type: 'usage' }>;

export interface RelayOptions {
  res: ServerResponse;
  record: { deltas: BrainDelta[]; droppedByServer: boolean };
  /** The server's failure mode; the `*_mid_stream` ones apply after the first delta. */
  mode: LlmFailure | undefined;
  /** Pause before each delta is written, ms. */
  delayMs: number | undefined;
  /** Writes one text or tool-call delta in the protocol's events. */
  write(delta: ContentDelta): void;
  /** Writes the protocol's error event and ends: `midStream` for error_mid_stream, else the brain threw. */
  fail(midStream: boolean): void;
}

/**
 * Streams `brain`'s reply to `context` through `write`. Resolves with the usage it reported
 * (summed), or undefined when the response was cut short: closed by the client, stalled,
 * dropped or failed; the brain is stopped when the client goes away.
 */
export async function relayReply(
  brain: Brain,
  context: BrainContext,
  o: RelayOptions,
): Promise<{ usage: { input: number; output: number } | undefined } | undefined> {
  const { res, record } = o;
  const brainStop = new AbortController();
  res.on('close', () => brainStop.abort());
  let usage: { input: number; output: number } | undefined;
  try {
    for await (const d of brain.respond(context, brainStop.signal)) {
      if (res.destroyed) return undefined;
      if (d.type === 'usage') {
        usage = { input: (usage?.input ?? 0) + d.inputTokens, output: (usage?.output ?? 0) + d.outputTokens };
        continue;
      }
      if (o.delayMs) await sleep(o.delayMs);
      if (res.destroyed) return undefined;
      record.deltas.push(d);
      o.write(d);
      if (record.deltas.length !== 1) continue;
      if (o.mode === 'stall_mid_stream') return undefined;
      if (o.mode === 'drop_mid_stream') {
        record.droppedByServer = true;
        res.socket?.destroy();
        return undefined;
      }
      if (o.mode === 'error_mid_stream') {
        o.fail(true);
        return undefined;
      }
    }
  } catch {
    if (!res.destroyed) o.fail(false);
    return undefined;
  }
  return res.destroyed ? undefined : { usage };
}
