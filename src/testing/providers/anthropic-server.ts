/**
 * A local Anthropic Messages server on 127.0.0.1 (an ephemeral port), backed by a Parley `Brain`
 * (the package tracker's own rule brain, say), so a call through the anthropic brain adapter is
 * real. `POST /v1/messages` with `stream: true` answers in the documented named SSE events:
 * `message_start`, `ping`, per content block `content_block_start` / `content_block_delta`
 * (`text_delta`, or `input_json_delta` for a `tool_use`) / `content_block_stop`, then
 * `message_delta` (stop_reason, usage) and `message_stop`. `GET /v1/models` lists the model.
 * Headers `x-api-key` (or a bearer token, which the SDK 1.x sends) and `anthropic-version` are
 * required; the request checks the API makes are made (tool_result blocks answer the tool_use
 * blocks of the message just before; no empty text; no sampling parameters from version
 * 2026-10-21). Failure modes: 429, 529, 500, stall, and a stall, drop or `error` event
 * mid-stream. Errors are `{type:'error', error:{type, message}, request_id}`. Every request is
 * recorded.
 *
 * API reference: https://docs.anthropic.com/en/api/messages-streaming,
 * https://docs.anthropic.com/en/api/messages, https://docs.anthropic.com/en/api/errors,
 * https://docs.anthropic.com/en/api/versioning and
 * https://docs.anthropic.com/en/docs/build-with-claude/tool-use.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Brain } from '../../engines/types.js';
import { readAnthropicRequest } from './anthropic-request.js';
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

/**
 * `rate_limit` (429 rate_limit_error), `overloaded` (529 overloaded_error) and `server_error`
 * (500 api_error); error_mid_stream sends an overloaded_error event.
 */
export type AnthropicFailure = LlmFailure;

export interface AnthropicServerOptions {
  /** Answers every request: its deltas are streamed as Messages events. */
  brain: Brain;
  /** The key required in `x-api-key`; unset: any key is accepted (one must still be sent). */
  apiKey?: string;
  /** Model ids served; others answer 404 not_found_error. Default: any. */
  models?: string[];
  failure?: AnthropicFailure;
  /** Pause before each delta is written, ms, as a model generating. Default 0. */
  deltaDelayMs?: number;
}

export interface RecordedMessagesRequest extends RecordedLlmRequest {
  /** `x-api-key`, `bearer` or none: how the key came. */
  auth: 'x-api-key' | 'bearer' | 'none';
  anthropicVersion: string | undefined;
  /** The SSE event names written, in order. */
  events: string[];
}

export interface AnthropicServer {
  /** Base URL without the version: `http://127.0.0.1:<port>` (the SDK's `baseURL`). */
  url: string;
  requests: RecordedMessagesRequest[];
  /** Sets the failure mode from now on (undefined: answer normally). */
  fail(failure: AnthropicFailure | undefined): void;
  close(): Promise<void>;
}

const FAILURE_ANSWERS: Record<'rate_limit' | 'overloaded' | 'server_error', [number, string, string]> = {
  rate_limit: [
    429,
    'rate_limit_error',
    'This request would exceed the rate limit for your organization of 50 requests per minute.',
  ],
  overloaded: [529, 'overloaded_error', 'Overloaded'],
  server_error: [500, 'api_error', 'Internal server error'],
};

const id = (prefix: string) => `${prefix}_01${randomBytes(12).toString('hex')}`;

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  const requestId = id('req');
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId });
  res.end(JSON.stringify({ type: 'error', error: { type, message }, request_id: requestId }));
}

/** The key the request carries, and how; the API prefers `x-api-key` when both are sent. */
function keyOf(req: IncomingMessage): { key: string | undefined; auth: RecordedMessagesRequest['auth'] } {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header) return { key: header, auth: 'x-api-key' };
  const bearer = req.headers.authorization;
  if (bearer?.startsWith('Bearer ')) return { key: bearer.slice('Bearer '.length), auth: 'bearer' };
  return { key: undefined, auth: 'none' };
}

/** Auth and version checks shared by every endpoint; true when an error was answered. */
function refuse(req: IncomingMessage, res: ServerResponse, apiKey: string | undefined): boolean {
  const { key } = keyOf(req);
  if (!key) {
    sendError(res, 401, 'authentication_error', 'x-api-key header is required');
    return true;
  }
  if (apiKey !== undefined && key !== apiKey) {
    sendError(res, 401, 'authentication_error', 'invalid x-api-key');
    return true;
  }
  if (!req.headers['anthropic-version']) {
    sendError(res, 400, 'invalid_request_error', 'anthropic-version: header is required');
    return true;
  }
  return false;
}

export async function startAnthropicServer(opts: AnthropicServerOptions): Promise<AnthropicServer> {
  const requests: RecordedMessagesRequest[] = [];
  let failure = opts.failure;

  async function messages(req: IncomingMessage, res: ServerResponse, record: RecordedMessagesRequest) {
    const raw = (await readBody(req)).toString('utf8');
    if (refuse(req, res, opts.apiKey)) return;
    record.authorized = true;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return sendError(res, 400, 'invalid_request_error', 'The request body is not valid JSON.');
    }
    record.body = body;
    const parsed = readAnthropicRequest(body, record.anthropicVersion ?? '');
    if ('error' in parsed) return sendError(res, 400, 'invalid_request_error', parsed.error);
    const model = body.model as string;
    if (opts.models && !opts.models.includes(model)) {
      return sendError(res, 404, 'not_found_error', `model: ${model}`);
    }
    if (body.stream !== true) {
      return sendError(
        res,
        400,
        'invalid_request_error',
        'stream: this test server answers streaming requests only',
      );
    }
    record.messages = parsed.messages;
    record.tools = parsed.tools;

    if (failure === 'rate_limit' || failure === 'overloaded' || failure === 'server_error') {
      const [status, type, message] = FAILURE_ANSWERS[failure];
      if (failure === 'rate_limit') res.setHeader('retry-after', '20');
      return sendError(res, status, type, message);
    }
    if (failure === 'stall') return; // The request stays open, unanswered, until the client gives up.

    const mode = failure;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'request-id': id('req'),
    });
    record.status = 200;
    const send = (event: string, data: Record<string, unknown>) => {
      record.events.push(event);
      res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
    };
    const inputTokens = tokens(JSON.stringify([body.system ?? '', body.messages, body.tools ?? []]));
    send('message_start', {
      message: {
        id: id('msg'),
        type: 'message',
        role: 'assistant',
        content: [],
        model,
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: inputTokens,
          output_tokens: 1,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
      },
    });
    send('ping', {});

    let index = -1;
    let textOpen = false;
    let usedTool = false;
    let output = '';
    const closeText = () => {
      if (textOpen) send('content_block_stop', { index });
      textOpen = false;
    };
    const relayed = await relayReply(
      opts.brain,
      { messages: parsed.messages, tools: parsed.tools },
      {
        res,
        record,
        mode,
        delayMs: opts.deltaDelayMs,
        write: (d) => {
          if (d.type === 'text') {
            if (!textOpen) {
              send('content_block_start', { index: ++index, content_block: { type: 'text', text: '' } });
              textOpen = true;
            }
            output += d.text;
            send('content_block_delta', { index, delta: { type: 'text_delta', text: d.text } });
            return;
          }
          closeText();
          usedTool = true;
          output += d.call.arguments;
          const block = { type: 'tool_use', id: id('toolu'), name: d.call.name, input: {} };
          send('content_block_start', { index: ++index, content_block: block });
          // The input arrives as partial JSON; the first delta is often empty, as the docs show.
          send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } });
          for (const piece of fragments(d.call.arguments)) {
            send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } });
          }
          send('content_block_stop', { index });
        },
        fail: (midStream) => {
          const error = midStream
            ? { type: 'overloaded_error', message: 'Overloaded' }
            : { type: 'api_error', message: 'Internal server error' };
          send('error', { error });
          res.end();
        },
      },
    );
    if (!relayed) return;
    const { usage } = relayed;
    closeText();
    send('message_delta', {
      delta: { stop_reason: usedTool ? 'tool_use' : 'end_turn', stop_sequence: null },
      usage: { output_tokens: usage?.output ?? tokens(output) },
    });
    send('message_stop', {});
    res.end();
  }

  function models(req: IncomingMessage, res: ServerResponse): void {
    if (refuse(req, res, opts.apiKey)) return;
    const data = (opts.models ?? ['claude-haiku-4-5']).map((model) => ({
      type: 'model',
      id: model,
      display_name: model,
      created_at: '2025-10-01T00:00:00Z',
    }));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        data,
        has_more: false,
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null,
      }),
    );
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://anthropic.local').pathname;
    if (req.method === 'GET' && path === '/v1/models') {
      req.resume();
      models(req, res);
      return;
    }
    if (req.method !== 'POST' || path !== '/v1/messages') {
      req.resume();
      sendError(res, 404, 'not_found_error', 'Not found');
      return;
    }
    const version = req.headers['anthropic-version'];
    const record: RecordedMessagesRequest = trackRequest(res, (base) => ({
      ...base,
      auth: keyOf(req).auth,
      anthropicVersion: typeof version === 'string' ? version : undefined,
      events: [],
    }));
    requests.push(record);
    messages(req, res, record).catch(() => {
      if (!res.headersSent) sendError(res, 500, 'api_error', 'Internal server error');
      else res.destroy();
    });
  });
  const port = await listenLocal(server);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    fail(next) {
      failure = next;
    },
    close: () => closeLlmServer(server, requests),
  };
}
