/**
 * A local OpenAI chat-completions server on 127.0.0.1 (an ephemeral port), backed by a Parley
 * `Brain` (the package tracker's own rule brain, say), so a call through the openai brain adapter
 * is real: `POST /v1/chat/completions` with `stream: true` answers in `chat.completion.chunk`
 * SSE events (content deltas, tool calls streamed as `tool_calls` fragments by index, a usage
 * chunk when `stream_options.include_usage`, then `data: [DONE]`); `GET /v1/models` lists the
 * model. Bearer-key check with OpenAI's 401 bodies, the documented request checks (tool messages
 * must answer the preceding `tool_calls`), and failure modes: 429, 503, 500, stall, and a stall,
 * drop or error event mid-stream. Every request is recorded.
 *
 * API reference: https://platform.openai.com/docs/api-reference/chat/create and
 * https://platform.openai.com/docs/api-reference/chat-streaming; error bodies as in
 * https://platform.openai.com/docs/guides/error-codes.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Brain, BrainDelta, ChatMessage, ToolSpec } from '../../engines/types.js';
import { type ErrorBody, invalid, readMessages, readTools } from './openai-chat-request.js';

/**
 * What the server does instead of answering: `rate_limit` (429), `overloaded` (503) and
 * `server_error` (500) with OpenAI's bodies; `stall`: never answers; `stall_mid_stream`,
 * `drop_mid_stream`, `error_mid_stream`: after the first delta, goes quiet, closes the socket,
 * or sends an `{"error":…}` event and ends.
 */
export type ChatFailure =
  | 'rate_limit'
  | 'overloaded'
  | 'server_error'
  | 'stall'
  | 'stall_mid_stream'
  | 'drop_mid_stream'
  | 'error_mid_stream';

export interface OpenAiChatServerOptions {
  /** Answers every request: its deltas are streamed in the chat-completions format. */
  brain: Brain;
  /** The bearer key required; unset: any key or none is accepted (a local llama.cpp server). */
  apiKey?: string;
  /** Model ids served; others answer 404 model_not_found. Default: any. */
  models?: string[];
  failure?: ChatFailure;
  /** Pause before each delta is written, ms, as a model generating. Default 0. */
  deltaDelayMs?: number;
}

export interface RecordedChatRequest {
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

export interface OpenAiChatServer {
  /** Base URL with the version: `http://127.0.0.1:<port>/v1`. */
  url: string;
  requests: RecordedChatRequest[];
  /** Sets the failure mode from now on (undefined: answer normally). */
  fail(failure: ChatFailure | undefined): void;
  close(): Promise<void>;
}

const SERVER_ERROR: ErrorBody = {
  message: 'The server had an error while processing your request. Sorry about that!',
  type: 'server_error',
  param: null,
  code: null,
};

const FAILURE_ANSWERS: Record<'rate_limit' | 'overloaded' | 'server_error', [number, ErrorBody]> = {
  rate_limit: [
    429,
    {
      message: 'Rate limit reached for requests. Please try again in 20s.',
      type: 'requests',
      param: null,
      code: 'rate_limit_exceeded',
    },
  ],
  overloaded: [
    503,
    {
      message: 'The engine is currently overloaded, please try again later.',
      type: 'server_error',
      param: null,
      code: null,
    },
  ],
  server_error: [500, SERVER_ERROR],
};

function sendError(res: ServerResponse, status: number, error: ErrorBody): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error }));
}

/** OpenAI's 401 answers: no key, or a wrong one (quoted with its middle masked). */
function authError(header: string | undefined, key: string): ErrorBody | undefined {
  if (!header?.startsWith('Bearer ')) {
    return invalid(
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
    );
  }
  const given = header.slice('Bearer '.length);
  if (given === key) return undefined;
  const masked = `${given.slice(0, 3)}${'*'.repeat(Math.max(0, given.length - 7))}${given.slice(-4)}`;
  return invalid(
    `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    null,
    'invalid_api_key',
  );
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));
/** Pieces of a tool call's arguments, streamed as a model writes them. */
const fragments = (text: string) => text.match(/[\s\S]{1,12}/g) ?? [];

export async function startOpenAiChatServer(opts: OpenAiChatServerOptions): Promise<OpenAiChatServer> {
  const requests: RecordedChatRequest[] = [];
  let failure = opts.failure;

  async function completions(req: IncomingMessage, res: ServerResponse, record: RecordedChatRequest) {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    } catch {
      return sendError(res, 400, invalid('We could not parse the JSON body of your request.'));
    }
    record.body = body;
    if (opts.apiKey !== undefined) {
      const denied = authError(req.headers.authorization, opts.apiKey);
      if (denied) return sendError(res, 401, denied);
    }
    record.authorized = true;
    if (typeof body.model !== 'string' || !body.model) {
      return sendError(res, 400, invalid('you must provide a model parameter'));
    }
    if (opts.models && !opts.models.includes(body.model)) {
      const message = `The model \`${body.model}\` does not exist or you do not have access to it.`;
      return sendError(res, 404, invalid(message, null, 'model_not_found'));
    }
    const messages = readMessages(body.messages);
    if (!Array.isArray(messages)) return sendError(res, 400, messages);
    if (body.stream !== true)
      return sendError(res, 400, invalid('This test server answers streaming requests only.', 'stream'));
    record.messages = messages;
    record.tools = readTools(body.tools);

    if (failure === 'rate_limit' || failure === 'overloaded' || failure === 'server_error') {
      const [status, error] = FAILURE_ANSWERS[failure];
      if (failure === 'rate_limit') res.setHeader('retry-after', '20');
      return sendError(res, status, error);
    }
    if (failure === 'stall') return; // The request stays open, unanswered, until the client gives up.

    const mode = failure;
    const model = body.model;
    const includeUsage =
      (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    const id = `chatcmpl-${randomUUID().replaceAll('-', '').slice(0, 24)}`;
    const created = Math.floor(Date.now() / 1000);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    record.status = 200;
    const send = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: null, choices, ...(includeUsage ? { usage: null } : {}), ...extra })}\n\n`,
      );
    const delta = (d: Record<string, unknown>) =>
      send([{ index: 0, delta: d, logprobs: null, finish_reason: null }]);

    const brainStop = new AbortController();
    res.on('close', () => brainStop.abort());
    delta({ role: 'assistant', content: '', refusal: null });
    let toolIndex = 0;
    let output = '';
    let usage: { input: number; output: number } | undefined;
    try {
      for await (const d of opts.brain.respond({ messages, tools: record.tools }, brainStop.signal)) {
        if (res.destroyed) return;
        if (d.type === 'usage') {
          usage = {
            input: (usage?.input ?? 0) + d.inputTokens,
            output: (usage?.output ?? 0) + d.outputTokens,
          };
          continue;
        }
        if (opts.deltaDelayMs) await sleep(opts.deltaDelayMs);
        if (res.destroyed) return;
        record.deltas.push(d);
        if (d.type === 'text') {
          output += d.text;
          delta({ content: d.text });
        } else {
          const index = toolIndex++;
          output += d.call.name + d.call.arguments;
          const callId = `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
          delta({
            tool_calls: [
              { index, id: callId, type: 'function', function: { name: d.call.name, arguments: '' } },
            ],
          });
          for (const piece of fragments(d.call.arguments)) {
            delta({ tool_calls: [{ index, function: { arguments: piece } }] });
          }
        }
        if (record.deltas.length === 1 && mode === 'stall_mid_stream') return;
        if (record.deltas.length === 1 && mode === 'drop_mid_stream') {
          record.droppedByServer = true;
          res.socket?.destroy();
          return;
        }
        if (record.deltas.length === 1 && mode === 'error_mid_stream') {
          res.end(`data: ${JSON.stringify({ error: SERVER_ERROR })}\n\n`);
          return;
        }
      }
    } catch {
      if (!res.destroyed) res.end(`data: ${JSON.stringify({ error: SERVER_ERROR })}\n\n`);
      return;
    }
    if (res.destroyed) return;
    send([{ index: 0, delta: {}, logprobs: null, finish_reason: toolIndex > 0 ? 'tool_calls' : 'stop' }]);
    if (includeUsage) {
      const prompt = usage?.input ?? tokens(JSON.stringify([body.messages, body.tools ?? []]));
      const completion = usage?.output ?? tokens(output);
      send([], {
        usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
      });
    }
    res.end('data: [DONE]\n\n');
  }

  function models(req: IncomingMessage, res: ServerResponse): void {
    if (opts.apiKey !== undefined) {
      const denied = authError(req.headers.authorization, opts.apiKey);
      if (denied) {
        sendError(res, 401, denied);
        return;
      }
    }
    const data = (opts.models ?? ['parley-rules']).map((id) => ({
      id,
      object: 'model',
      created: 0,
      owned_by: 'parley',
    }));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data }));
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://openai.local').pathname;
    if (req.method === 'GET' && path === '/v1/models') return models(req, res);
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      req.resume();
      return sendError(res, 404, invalid(`Invalid URL (${req.method} ${path})`));
    }
    let ended!: () => void;
    const record: RecordedChatRequest = {
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
    };
    requests.push(record);
    res.on('finish', () => {
      record.finished = true;
    });
    res.on('close', () => {
      if (res.headersSent) record.status = res.statusCode;
      if (!res.writableFinished && !record.droppedByServer) record.closedByClient = true;
      ended();
    });
    completions(req, res, record).catch(() => {
      if (!res.headersSent) sendError(res, 500, SERVER_ERROR);
      else res.destroy();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    fail(next) {
      failure = next;
    },
    async close() {
      for (const r of requests) if (!r.finished && !r.closedByClient) r.droppedByServer = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
