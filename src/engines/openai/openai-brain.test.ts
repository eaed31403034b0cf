import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type BrainContext, type BrainDelta, EngineError } from '../types.js';
import { LlmHttpError, OpenAiBrain } from './openai-brain.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

const servers: Server[] = [];

async function serve(handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => handler(req, body, res));
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

function sse(res: ServerResponse, events: unknown[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const e of events) res.write(`data: ${typeof e === 'string' ? e : JSON.stringify(e)}\n\n`);
  res.end();
}

const ctx: BrainContext = {
  messages: [
    { role: 'system', content: 'You are a phone agent.' },
    { role: 'user', content: 'Where is order 4219?' },
  ],
  tools: [
    {
      name: 'get_order_status',
      description: 'Looks up an order',
      parameters: { type: 'object', properties: { order_number: { type: 'string' } } },
    },
  ],
};

async function collect(it: AsyncIterable<BrainDelta>): Promise<BrainDelta[]> {
  const out: BrainDelta[] = [];
  for await (const d of it) out.push(d);
  return out;
}

describe('OpenAiBrain', () => {
  it('streams text deltas and usage, sending a streaming request with tools and the key', async () => {
    let request:
      | { headers: IncomingMessage['headers']; body: Record<string, unknown>; url?: string }
      | undefined;
    const baseUrl = await serve((req, body, res) => {
      request = { headers: req.headers, body: JSON.parse(body) as Record<string, unknown>, url: req.url };
      sse(res, [
        { choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] },
        { choices: [{ index: 0, delta: { content: 'Order four two one nine' } }] },
        { choices: [{ index: 0, delta: { content: ' is in transit.' }, finish_reason: null }] },
        { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
        { choices: [], usage: { prompt_tokens: 42, completion_tokens: 9 } },
        '[DONE]',
      ]);
    });
    const brain = new OpenAiBrain({ baseUrl, model: 'test-model', apiKey: 'sk-test', temperature: 0.2 });
    const deltas = await collect(brain.respond(ctx, new AbortController().signal));

    expect(deltas).toEqual([
      { type: 'text', text: 'Order four two one nine' },
      { type: 'text', text: ' is in transit.' },
      { type: 'usage', inputTokens: 42, outputTokens: 9 },
    ]);
    expect(request?.url).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe('Bearer sk-test');
    expect(request?.body).toMatchObject({
      model: 'test-model',
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      tools: [{ type: 'function', function: { name: 'get_order_status' } }],
    });
  });

  it('assembles tool calls from argument fragments streamed by index', async () => {
    const baseUrl = await serve((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const events = [
        {
          choices: [
            {
              delta: {
                tool_calls: [
                  { index: 0, id: 'call_a', function: { name: 'get_order_status', arguments: '' } },
                ],
              },
            },
          ],
        },
        { choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: '{"order_' } }] } }] },
        {
          choices: [
            {
              delta: {
                tool_calls: [
                  {
                    index: 1,
                    id: 'call_b',
                    function: { name: 'send_tracking_link', arguments: '{"order_number":' },
                  },
                ],
              },
            },
          ],
        },
        { choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: 'number":"4219"}' } }] } }] },
        { choices: [{ delta: { tool_calls: [{ index: 1, function: { arguments: '"4219"}' } }] } }] },
        { choices: [{ delta: {}, finish_reason: 'tool_calls' }] },
      ];
      // Split events across writes mid-line, with CRLF line ends, as proxies do.
      const wire = `${events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join('')}data: [DONE]\r\n\r\n`;
      for (let i = 0; i < wire.length; i += 37) res.write(wire.slice(i, i + 37));
      res.end();
    });
    const brain = new OpenAiBrain({ baseUrl, model: 'm' });
    const deltas = await collect(brain.respond(ctx, new AbortController().signal));
    expect(deltas).toEqual([
      {
        type: 'tool_call',
        call: { id: 'call_a', name: 'get_order_status', arguments: '{"order_number":"4219"}' },
      },
      {
        type: 'tool_call',
        call: { id: 'call_b', name: 'send_tracking_link', arguments: '{"order_number":"4219"}' },
      },
    ]);
  });

  it('sends earlier tool calls and results in the chat format', async () => {
    let body: { messages: unknown[] } | undefined;
    const baseUrl = await serve((_req, raw, res) => {
      body = JSON.parse(raw) as { messages: unknown[] };
      sse(res, [{ choices: [{ delta: { content: 'ok' }, finish_reason: 'stop' }] }, '[DONE]']);
    });
    const brain = new OpenAiBrain({ baseUrl, model: 'm' });
    await collect(
      brain.respond(
        {
          tools: [],
          messages: [
            { role: 'user', content: 'where is 4219' },
            {
              role: 'assistant',
              content: '',
              toolCalls: [{ id: 'c1', name: 'get_order_status', arguments: '{"order_number":"4219"}' }],
            },
            { role: 'tool', toolCallId: 'c1', name: 'get_order_status', content: '{"found":true}' },
          ],
        },
        new AbortController().signal,
      ),
    );
    expect(body?.messages).toEqual([
      { role: 'user', content: 'where is 4219' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'c1',
            type: 'function',
            function: { name: 'get_order_status', arguments: '{"order_number":"4219"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: '{"found":true}' },
    ]);
    expect(body).not.toHaveProperty('tools');
  });

  it.each([
    [500, '{"error":{"message":"model crashed"}}', /HTTP 500: model crashed/],
    [
      401,
      '{"error":{"message":"Incorrect API key provided"}}',
      /HTTP 401: Incorrect API key provided.*PARLEY_LLM_API_KEY/,
    ],
  ])('turns an HTTP %i into an engine error with the status and message', async (status, body, message) => {
    const baseUrl = await serve((_req, _body, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    });
    const brain = new OpenAiBrain({ baseUrl, model: 'm', apiKey: 'bad' });
    const err = await collect(brain.respond(ctx, new AbortController().signal)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmHttpError);
    expect((err as LlmHttpError).status).toBe(status);
    expect((err as Error).message).toMatch(message);
  });

  it('reports a malformed stream event as an engine error', async () => {
    const baseUrl = await serve((_req, _body, res) => {
      sse(res, [{ choices: [{ delta: { content: 'Hel' } }] }, '{"choices": [ {"delta": oops']);
    });
    const brain = new OpenAiBrain({ baseUrl, model: 'm' });
    const seen: BrainDelta[] = [];
    const err = await (async () => {
      for await (const d of brain.respond(ctx, new AbortController().signal)) seen.push(d);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([{ type: 'text', text: 'Hel' }]);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as Error).message).toMatch(/malformed stream event/);
  });

  it('reports an unreachable server as an engine error', async () => {
    const baseUrl = await serve((_req, _body, res) => res.end());
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
    const brain = new OpenAiBrain({ baseUrl, model: 'm' });
    const err = await collect(brain.respond(ctx, new AbortController().signal)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as Error).message).toMatch(/request to .* failed/);
  });

  it('closes the request when the reply is aborted mid-stream', async () => {
    let socketClosed!: Promise<void>;
    const baseUrl = await serve((req, _body, res) => {
      socketClosed = once(req.socket, 'close').then(() => undefined);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: 'Order' } }] })}\n\n`);
      // ...and never finishes, like a model still generating.
    });
    const brain = new OpenAiBrain({ baseUrl, model: 'm' });
    const controller = new AbortController();
    const seen: BrainDelta[] = [];
    for await (const d of brain.respond(ctx, controller.signal)) {
      seen.push(d);
      controller.abort(new Error('caller interrupted'));
    }
    expect(seen).toEqual([{ type: 'text', text: 'Order' }]);
    await socketClosed;
  });

  it('closes the request when the reply is aborted before the answer starts (the server sees it)', async () => {
    let socketClosed!: Promise<void>;
    let arrived!: () => void;
    const requestArrived = new Promise<void>((r) => {
      arrived = r;
    });
    const baseUrl = await serve((req) => {
      socketClosed = once(req.socket, 'close').then(() => undefined);
      arrived();
      // ...and never answers, like a model still queued.
    });
    const brain = new OpenAiBrain({ baseUrl, model: 'm' });
    const controller = new AbortController();
    const reply = collect(brain.respond(ctx, controller.signal));
    await requestArrived;
    controller.abort(new Error('caller interrupted'));
    expect(await reply).toEqual([]);
    await socketClosed;
  });

  it('reports an error event sent mid-stream, after the text that came before it', async () => {
    const baseUrl = await serve((_req, _body, res) => {
      sse(res, [
        { choices: [{ delta: { content: 'Order' } }] },
        {
          error: { message: 'The server had an error while processing your request.', type: 'server_error' },
        },
      ]);
    });
    const brain = new OpenAiBrain({ baseUrl, model: 'm' });
    const seen: BrainDelta[] = [];
    const err = await (async () => {
      for await (const d of brain.respond(ctx, new AbortController().signal)) seen.push(d);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([{ type: 'text', text: 'Order' }]);
    expect(err).toBeInstanceOf(EngineError);
    expect(err).not.toBeInstanceOf(LlmHttpError);
    expect((err as Error).message).toBe(
      'openai: the server reported an error mid-stream: The server had an error while processing your request.',
    );
  });

  it('never repeats the key in a 401, even when the server echoes it back', async () => {
    const key = 'sk-proj-0123456789abcdefSECRET';
    const baseUrl = await serve((req, _body, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      const given = String(req.headers.authorization).replace('Bearer ', '');
      res.end(
        JSON.stringify({
          error: { message: `Incorrect API key provided: ${given}.`, code: 'invalid_api_key' },
        }),
      );
    });
    const brain = new OpenAiBrain({ baseUrl, model: 'm', apiKey: key });
    const err = await collect(brain.respond(ctx, new AbortController().signal)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmHttpError);
    expect((err as Error).message).toBe(
      'openai: HTTP 401: Incorrect API key provided: ***.. Fix: check PARLEY_LLM_API_KEY',
    );
    expect(String((err as Error).stack)).not.toContain(key);
  });

  it('sends no Authorization header to a server that needs no key (llama.cpp, Ollama)', async () => {
    let authorization: string | undefined = 'unset';
    const baseUrl = await serve((req, _body, res) => {
      authorization = req.headers.authorization;
      sse(res, [{ choices: [{ delta: { content: 'ok' }, finish_reason: 'stop' }] }, '[DONE]']);
    });
    const deltas = await collect(
      new OpenAiBrain({ baseUrl, model: 'm' }).respond(ctx, new AbortController().signal),
    );
    expect(deltas).toEqual([{ type: 'text', text: 'ok' }]);
    expect(authorization).toBeUndefined();
  });

  it('gives up on a server that goes quiet mid-stream after timeoutMs, closing the request', async () => {
    let socketClosed!: Promise<void>;
    const baseUrl = await serve((req, _body, res) => {
      socketClosed = once(req.socket, 'close').then(() => undefined);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: 'Order' } }] })}\n\n`);
    });
    const brain = new OpenAiBrain({ baseUrl, model: 'm', timeoutMs: 300 });
    const err = await collect(brain.respond(ctx, new AbortController().signal)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as Error).message).toMatch(/no answer from .*\/chat\/completions for 300 ms/);
    await socketClosed;
  });

  it('closes the request when the consumer stops reading early', async () => {
    let socketClosed!: Promise<void>;
    const baseUrl = await serve((req, _body, res) => {
      socketClosed = once(req.socket, 'close').then(() => undefined);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: 'Order' } }] })}\n\n`);
    });
    const brain = new OpenAiBrain({ baseUrl, model: 'm' });
    for await (const _ of brain.respond(ctx, new AbortController().signal)) break;
    await socketClosed;
  });
});
