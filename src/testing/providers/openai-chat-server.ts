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
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Brain } from '../../engines/types.js';
import {
  closeLlmServer,
  fragments,
  type LlmFailure,
  type RecordedLlmRequest,
  relayReply,
  tokens,
  trackRequest,
} from './llm-server.js';
import { listenLocal, readBody } from './local-server.js';
import { readMessages, readTools } from './openai-chat-request.js';
import {
  authError,
  type ErrorBody,
  invalid,
  RATE_LIMITED,
  SERVER_ERROR,
  sendError,
} from './openai-errors.js';

/** `rate_limit` (429), `overloaded` (503) and `server_error` (500) with OpenAI's bodies. */
export type ChatFailure = LlmFailure;

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

export type RecordedChatRequest = RecordedLlmRequest;

export interface OpenAiChatServer {
  /** Base URL with the version: `http://127.0.0.1:<port>/v1`. */
  url: string;
  requests: RecordedChatRequest[];
  /** Sets the failure mode from now on (undefined: answer normally). */
  fail(failure: ChatFailure | undefined): void;
  close(): Promise<void>;
}

const FAILURE_ANSWERS: Record<'rate_limit' | 'overloaded' | 'server_error', [number, ErrorBody]> = {
  rate_limit: [429, RATE_LIMITED],
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

export async function startOpenAiChatServer(opts: OpenAiChatServerOptions): Promise<OpenAiChatServer> {
  const requests: RecordedChatRequest[] = [];
  let failure = opts.failure;

  async function completions(req: IncomingMessage, res: ServerResponse, record: RecordedChatRequest) {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse((await readBody(req)).toString('utf8')) as Record<string, unknown>;
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

    delta({ role: 'assistant', content: '', refusal: null });
    let toolIndex = 0;
    let output = '';
    const relayed = await relayReply(
      opts.brain,
      { messages, tools: record.tools },
      {
        res,
        record,
        mode,
        delayMs: opts.deltaDelayMs,
        write: (d) => {
          if (d.type === 'text') {
            output += d.text;
            delta({ content: d.text });
            return;
          }
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
        },
        fail: () => res.end(`data: ${JSON.stringify({ error: SERVER_ERROR })}\n\n`),
      },
    );
    if (!relayed) return;
    const { usage } = relayed;
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
    const record = trackRequest(res, (base) => base);
    requests.push(record);
    completions(req, res, record).catch(() => {
      if (!res.headersSent) sendError(res, 500, SERVER_ERROR);
      else res.destroy();
    });
  });
  const port = await listenLocal(server);
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    fail(next) {
      failure = next;
    },
    close: () => closeLlmServer(server, requests),
  };
}
