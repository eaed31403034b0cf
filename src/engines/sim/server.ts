/**
 * The LLM latency simulator: an OpenAI-compatible streaming chat-completions server on
 * 127.0.0.1 (ephemeral port) whose answers come from an agent's own dialogue engine and whose
 * timing is a real LLM's: a log-normal time to first token, a slow tail, tokens of about four
 * characters at `tps` with jitter, tool calls streamed as `tool_calls` fragments, a usage chunk
 * and `[DONE]`. Conversations stay correct; only the timing is simulated.
 *
 * Protocol: https://platform.openai.com/docs/api-reference/chat/create (request, `stream`,
 * `stream_options.include_usage`), https://platform.openai.com/docs/api-reference/chat-streaming
 * (the `chat.completion.chunk` object: `delta.content`, `delta.tool_calls[].index/id/function`,
 * `finish_reason`, the usage-only last chunk with empty `choices`), errors as in
 * https://platform.openai.com/docs/guides/error-codes (`{ error: { message, type, param, code } }`).
 *
 * The request's `model` names what answers: the server asks `route(model)` for a dialogue
 * brain and the clock its delays run on (the session's, so a virtual-clock test stays virtual).
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../clock.js';
import type { Brain, ChatMessage, ToolCallRequest } from '../types.js';
import { planReply, type ReplyPlan, type SimLatency, simTokens } from './latency.js';
import { ChunkWriter, errorBody, toChatMessages, toToolSpecs, type WireRequest } from './wire.js';

/** What answers the requests for one model. */
export interface SimRoute {
  /** The dialogue engine whose answers are streamed (an agent's rule brain, say). */
  brain: Brain;
  /** The clock the simulated delays run on. */
  clock: Clock;
}

export interface SimServerOptions {
  latency: SimLatency;
  /** The route for a request's `model`; none answers 404 `model_not_found`. */
  route(model: string): SimRoute | undefined;
  /** Models listed by `GET /v1/models`. Default: none. */
  models?(): string[];
  /** How many recent requests `requests` keeps. Default 500. */
  keepRequests?: number;
}

export type SimRequestStatus = 'streaming' | 'done' | 'aborted' | 'failed';

/** One request as the server saw and answered it (for assertions and benchmarks). */
export interface SimRequestRecord {
  model: string;
  messages: ChatMessage[];
  /** Names of the tools offered. */
  tools: string[];
  stream: boolean;
  /** The answer the dialogue engine gave. */
  text: string;
  toolCalls: ToolCallRequest[];
  /** Tokens streamed or planned (text pieces, one per tool call's name, argument fragments). */
  tokens: number;
  plan: ReplyPlan;
  /** On the route's clock. */
  receivedAtMs: number;
  firstTokenAtMs?: number;
  endedAtMs?: number;
  status: SimRequestStatus;
}

export interface SimServer {
  /** API root including the version, e.g. "http://127.0.0.1:40123/v1". */
  readonly url: string;
  /** Recent requests, oldest first. */
  readonly requests: readonly SimRequestRecord[];
  close(): Promise<void>;
}

/** Longest request body read (a long conversation with tools is far smaller). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

type Piece =
  | { kind: 'text'; text: string }
  | { kind: 'tool'; index: number; id: string; name: string }
  | { kind: 'args'; index: number; text: string };

/** The answer cut into what streams one token at a time. */
function piecesOf(text: string, calls: ToolCallRequest[]): Piece[] {
  const pieces: Piece[] = simTokens(text).map((t) => ({ kind: 'text', text: t }));
  calls.forEach((c, index) => {
    pieces.push({ kind: 'tool', index, id: c.id, name: c.name });
    for (const t of simTokens(c.arguments)) pieces.push({ kind: 'args', index, text: t });
  });
  return pieces;
}

/** The conversation without call ids (random per run), so equal calls get equal draws. */
function conversationKey(messages: ChatMessage[]): string {
  const plain = messages.map((m) => [
    m.role,
    m.content,
    (m.toolCalls ?? []).map((c) => [c.name, c.arguments]),
  ]);
  return createHash('sha256').update(JSON.stringify(plain)).digest('hex');
}

function estimateTokens(messages: ChatMessage[], toolsJson: string): number {
  const chars = messages.reduce((n, m) => n + m.content.length, 0) + toolsJson.length;
  return Math.ceil(chars / 4);
}

function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startSimServer(opts: SimServerOptions): Promise<SimServer> {
  const keep = opts.keepRequests ?? 500;
  const requests: SimRequestRecord[] = [];
  /** Per route: how often each conversation was asked before (a retry draws anew). */
  const asked = new WeakMap<SimRoute, Map<string, number>>();
  let served = 0;

  const record = (r: SimRequestRecord) => {
    requests.push(r);
    if (requests.length > keep) requests.splice(0, requests.length - keep);
  };

  async function completions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    if (raw === undefined) {
      sendJson(res, 413, errorBody('Request body too large', 'invalid_request_error'));
      return;
    }
    let body: WireRequest;
    try {
      body = JSON.parse(raw) as WireRequest;
      if (typeof body !== 'object' || body === null) throw new TypeError('not an object');
    } catch {
      sendJson(res, 400, errorBody('The request body is not valid JSON', 'invalid_request_error'));
      return;
    }
    if (typeof body.model !== 'string' || body.model === '') {
      sendJson(res, 400, errorBody("'model' is required", 'invalid_request_error', null, 'model'));
      return;
    }
    const model = body.model;
    const route = opts.route(model);
    if (!route) {
      sendJson(
        res,
        404,
        errorBody(
          `The model '${model}' does not exist or you do not have access to it.`,
          'invalid_request_error',
          'model_not_found',
          'model',
        ),
      );
      return;
    }
    const messages = toChatMessages(body.messages);
    if (typeof messages === 'string') {
      sendJson(res, 400, errorBody(messages, 'invalid_request_error', null, 'messages'));
      return;
    }
    const { clock } = route;
    const receivedAtMs = clock.now();
    const abort = new AbortController();
    // The client went away (aborted the request, closed the socket): stop at once.
    res.on('close', () => {
      if (!res.writableFinished) abort.abort(new Error('client closed the request'));
    });

    const tools = toToolSpecs(body.tools);
    let text = '';
    const calls: ToolCallRequest[] = [];
    try {
      for await (const d of route.brain.respond({ messages, tools }, abort.signal)) {
        if (d.type === 'text') text += d.text;
        else if (d.type === 'tool_call') calls.push({ ...d.call, id: d.call.id || `call_${randomUUID()}` });
      }
    } catch (err) {
      if (abort.signal.aborted) return;
      const message = err instanceof Error ? err.message : String(err);
      sendJson(res, 500, errorBody(`the dialogue engine failed: ${message}`, 'server_error'));
      return;
    }

    const key = conversationKey(messages);
    const seen = asked.get(route) ?? new Map<string, number>();
    asked.set(route, seen);
    const repeat = seen.get(key) ?? 0;
    seen.set(key, repeat + 1);
    const pieces = piecesOf(text, calls);
    const plan = planReply(opts.latency, `${key}#${repeat}`, pieces.length);
    const stream = body.stream === true;
    const entry: SimRequestRecord = {
      model,
      messages,
      tools: tools.map((t) => t.name),
      stream,
      text,
      toolCalls: calls,
      tokens: pieces.length,
      plan,
      receivedAtMs,
      status: 'streaming',
    };
    record(entry);
    const promptTokens = estimateTokens(messages, JSON.stringify(body.tools ?? []));
    const writer = new ChunkWriter(`chatcmpl-sim-${++served}`, model);
    const until = async (offsetMs: number) => {
      const wait = receivedAtMs + offsetMs - clock.now();
      if (wait > 0) await clock.sleep(wait, abort.signal);
    };

    try {
      if (!stream) {
        await until(plan.tokenAtMs.at(-1) ?? plan.firstTokenMs);
        entry.firstTokenAtMs = clock.now();
        sendJson(res, 200, writer.completion(text, calls, promptTokens, pieces.length));
      } else {
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        });
        res.flushHeaders();
        if (pieces.length === 0) {
          await until(plan.firstTokenMs);
          entry.firstTokenAtMs = clock.now();
          res.write(writer.delta({ role: 'assistant', content: '' }));
        }
        for (const [i, piece] of pieces.entries()) {
          await until(plan.tokenAtMs[i] ?? plan.firstTokenMs);
          if (i === 0) entry.firstTokenAtMs = clock.now();
          const role = i === 0 ? { role: 'assistant' } : {};
          if (piece.kind === 'text') res.write(writer.delta({ ...role, content: piece.text }));
          else if (piece.kind === 'tool') {
            const fragment = {
              index: piece.index,
              id: piece.id,
              type: 'function',
              function: { name: piece.name, arguments: '' },
            };
            res.write(writer.delta({ ...role, content: null, tool_calls: [fragment] }));
          } else {
            res.write(
              writer.delta({ tool_calls: [{ index: piece.index, function: { arguments: piece.text } }] }),
            );
          }
        }
        res.write(writer.delta({}, calls.length > 0 ? 'tool_calls' : 'stop'));
        if (body.stream_options?.include_usage) res.write(writer.usage(promptTokens, pieces.length));
        res.end(writer.done());
      }
      entry.status = 'done';
    } catch (err) {
      entry.status = abort.signal.aborted ? 'aborted' : 'failed';
      if (!abort.signal.aborted) res.destroy(err instanceof Error ? err : new Error(String(err)));
    } finally {
      entry.endedAtMs = clock.now();
    }
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'POST' && path === '/v1/chat/completions') {
      completions(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, errorBody(String(err), 'server_error'));
        else res.destroy();
      });
      return;
    }
    if (req.method === 'GET' && path === '/v1/models') {
      const data = (opts.models?.() ?? []).map((id) => ({
        id,
        object: 'model',
        created: 0,
        owned_by: 'parley-sim',
      }));
      sendJson(res, 200, JSON.stringify({ object: 'list', data }));
      return;
    }
    req.resume();
    sendJson(
      res,
      404,
      errorBody(`Unknown request URL: ${req.method} ${path}`, 'invalid_request_error', 'unknown_url'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
