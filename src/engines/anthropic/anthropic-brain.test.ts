import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createPackageTrackerAgent, PACKAGE_TRACKER_PERSONA } from '../../apps/package-tracker/index.js';
import { SAY } from '../../apps/package-tracker/replies.js';
import { openDatabase } from '../../store/database.js';
import { type AnthropicServer, startAnthropicServer } from '../../testing/providers/anthropic-server.js';
import { closeServer, listenLocal } from '../../testing/providers/local-server.js';
import { failureOf } from '../../testing/providers/test-helpers.js';
import { type BrainContext, type BrainDelta, EngineError } from '../types.js';
import { AnthropicBrain, AnthropicHttpError } from './anthropic-brain.js';
import { CALL_OPENED } from './messages.js';

const KEY = 'sk-ant-api03-test-0123456789';
const servers: (Server | AnthropicServer)[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) {
    await ('requests' in s ? s.close() : closeServer(s));
  }
});

async function anthropic(
  opts: Partial<Parameters<typeof startAnthropicServer>[0]> = {},
): Promise<AnthropicServer> {
  const brain = createPackageTrackerAgent({ db: openDatabase(':memory:') }).createBrain();
  const server = await startAnthropicServer({ brain, apiKey: KEY, ...opts });
  servers.push(server);
  return server;
}

/** A bare HTTP server for answers the protocol server does not give. */
async function raw(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(req, res));
  });
  servers.push(server);
  return `http://127.0.0.1:${await listenLocal(server)}`;
}

const ctx: BrainContext = {
  messages: [
    { role: 'system', content: PACKAGE_TRACKER_PERSONA },
    { role: 'assistant', content: SAY.greeting },
    { role: 'user', content: 'where is my order four two one nine' },
  ],
  tools: [
    {
      name: 'get_order_status',
      description: 'Looks up an order',
      parameters: {
        type: 'object',
        properties: { order_number: { type: 'string' } },
        required: ['order_number'],
      },
    },
  ],
};

async function collect(it: AsyncIterable<BrainDelta>): Promise<BrainDelta[]> {
  const out: BrainDelta[] = [];
  for await (const d of it) out.push(d);
  return out;
}

describe('AnthropicBrain', () => {
  it('sends the documented request: x-api-key, anthropic-version, system prompt, tools, streaming', async () => {
    const server = await anthropic();
    const brain = new AnthropicBrain({ apiKey: KEY, baseUrl: server.url, model: 'claude-haiku-4-5' });
    expect(brain.name).toBe('anthropic:claude-haiku-4-5');
    expect(brain.capabilities.summaries).toBe(true);
    const deltas = await collect(brain.respond(ctx, new AbortController().signal));
    expect(deltas.filter((d) => d.type === 'tool_call')).toHaveLength(1);

    const request = server.requests[0];
    expect(request?.auth).toBe('x-api-key');
    expect(request?.anthropicVersion).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(request?.body).toEqual({
      model: 'claude-haiku-4-5',
      max_tokens: 1024,
      stream: true,
      system: PACKAGE_TRACKER_PERSONA,
      messages: [
        { role: 'user', content: CALL_OPENED },
        { role: 'assistant', content: SAY.greeting },
        { role: 'user', content: 'where is my order four two one nine' },
      ],
      tools: [
        {
          name: 'get_order_status',
          description: 'Looks up an order',
          input_schema: {
            type: 'object',
            properties: { order_number: { type: 'string' } },
            required: ['order_number'],
          },
        },
      ],
    });
    // The documented event flow, tool input streamed as input_json_delta.
    expect(request?.events).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  it('sends no key header at all to a server that needs none', async () => {
    let headers: IncomingMessage['headers'] = {};
    const url = await raw((req, res) => {
      headers = req.headers;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":3,"output_tokens":1}}}\n\n',
      );
      res.end('event: message_stop\ndata: {"type":"message_stop"}\n\n');
    });
    await collect(new AnthropicBrain({ baseUrl: url }).respond(ctx, new AbortController().signal));
    expect(headers['x-api-key']).toBeUndefined();
    expect(headers.authorization).toBeUndefined();
    expect(headers['anthropic-version']).toBeDefined();
  });

  it('never repeats the key, even when the server echoes it back', async () => {
    const url = await raw((req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          type: 'error',
          error: {
            type: 'authentication_error',
            message: `invalid x-api-key ${String(req.headers['x-api-key'])}`,
          },
        }),
      );
    });
    const err = await failureOf(
      collect(new AnthropicBrain({ apiKey: KEY, baseUrl: url }).respond(ctx, new AbortController().signal)),
    );
    expect(err).toBeInstanceOf(AnthropicHttpError);
    expect((err as AnthropicHttpError).status).toBe(401);
    expect(err.message).toBe(
      'anthropic: HTTP 401 authentication_error: invalid x-api-key ***. Fix: check ANTHROPIC_API_KEY',
    );
  });

  it.each([
    ['overloaded' as const, /HTTP 529 overloaded_error: Overloaded.*Fix: the API is overloaded/],
    ['server_error' as const, /HTTP 500 api_error/],
  ])('turns %s into an engine error with status, type and fix', async (failure, message) => {
    const server = await anthropic({ failure });
    const err = await failureOf(
      collect(
        new AnthropicBrain({ apiKey: KEY, baseUrl: server.url }).respond(ctx, new AbortController().signal),
      ),
    );
    expect(err).toBeInstanceOf(EngineError);
    expect(err.message).toMatch(message);
  });

  it('an unknown model is a 404 whose fix names PARLEY_ANTHROPIC_MODEL', async () => {
    const server = await anthropic({ models: ['claude-haiku-4-5'] });
    const brain = new AnthropicBrain({ apiKey: KEY, baseUrl: server.url, model: 'claude-nonexistent' });
    const err = await failureOf(collect(brain.respond(ctx, new AbortController().signal)));
    expect(err.message).toMatch(
      /HTTP 404 not_found_error: model: claude-nonexistent.*PARLEY_ANTHROPIC_MODEL/,
    );
  });

  it('a stream cut off before message_stop fails instead of passing for a whole answer', async () => {
    const url = await raw((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":3,"output_tokens":1}}}\n\n',
      );
      res.write(
        'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
      );
      res.end(
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Order"}}\n\n',
      );
    });
    const seen: BrainDelta[] = [];
    const err = await failureOf(
      (async () => {
        for await (const d of new AnthropicBrain({ apiKey: KEY, baseUrl: url }).respond(
          ctx,
          new AbortController().signal,
        ))
          seen.push(d);
      })(),
    );
    expect(seen).toEqual([{ type: 'text', text: 'Order' }]);
    expect(err.message).toMatch(/ended before message_stop/);
  });

  describe('check (run when the engine is created)', () => {
    it('passes with a good key', async () => {
      const server = await anthropic();
      await new AnthropicBrain({ apiKey: KEY, baseUrl: server.url }).check();
    });

    it('fails on a rejected key, naming the fix and not the key', async () => {
      const server = await anthropic();
      const wrong = 'sk-ant-api03-wrong-9876543210';
      const err = await failureOf(new AnthropicBrain({ apiKey: wrong, baseUrl: server.url }).check());
      expect(err.message).toMatch(/HTTP 401 authentication_error.*Fix: check ANTHROPIC_API_KEY/);
      expect(err.message).not.toContain(wrong);
    });

    it('fails on an unreachable server', async () => {
      const url = await raw((_req, res) => res.end());
      for (const s of servers.splice(0)) if (!('requests' in s)) await new Promise((r) => s.close(r));
      const err = await failureOf(new AnthropicBrain({ apiKey: KEY, baseUrl: url }).check());
      expect(err).toBeInstanceOf(EngineError);
      expect(err.message).toMatch(/request to .*\/v1\/messages failed.*Fix: check PARLEY_ANTHROPIC_URL/);
    });

    it('passes a compatible server that has no model list', async () => {
      const url = await raw((_req, res) => {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"type":"error","error":{"type":"not_found_error","message":"Not found"}}');
      });
      await new AnthropicBrain({ apiKey: KEY, baseUrl: url }).check();
    });
  });
});
