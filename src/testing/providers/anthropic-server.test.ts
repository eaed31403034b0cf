/** The Anthropic test server speaks the documented wire format and refuses what the API refuses. */
import { afterEach, describe, expect, it } from 'vitest';
import { createPackageTrackerAgent } from '../../apps/package-tracker/index.js';
import { openDatabase } from '../../store/database.js';
import { type AnthropicServer, startAnthropicServer } from './anthropic-server.js';

const KEY = 'sk-ant-api03-server-test';
let server: AnthropicServer;
afterEach(() => server.close());

async function start(): Promise<AnthropicServer> {
  server = await startAnthropicServer({
    brain: createPackageTrackerAgent({ db: openDatabase(':memory:') }).createBrain(),
    apiKey: KEY,
  });
  return server;
}

function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}/v1/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': KEY,
      'anthropic-version': '2023-06-01',
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

const ask = (messages: unknown[], extra: Record<string, unknown> = {}) => ({
  model: 'claude-haiku-4-5',
  max_tokens: 256,
  stream: true,
  messages,
  ...extra,
});

/** The named events of an SSE body, with their data. */
function events(text: string): { event: string; data: Record<string, unknown> }[] {
  return text
    .trim()
    .split('\n\n')
    .map((block) => {
      const [eventLine, dataLine] = block.split('\n');
      return {
        event: String(eventLine).replace(/^event: /, ''),
        data: JSON.parse(String(dataLine).replace(/^data: /, '')) as Record<string, unknown>,
      };
    });
}

describe('the Anthropic Messages test server', () => {
  it('streams named events whose data carries the same type, text as text_delta', async () => {
    await start();
    const res = await post(ask([{ role: 'user', content: 'where is my order' }]));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const stream = events(await res.text());
    for (const e of stream) expect(e.data.type).toBe(e.event);
    expect(stream.map((e) => e.event)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      ...Array(5).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(stream[0]?.data.message).toMatchObject({
      role: 'assistant',
      content: [],
      usage: { output_tokens: 1 },
    });
    expect(stream[2]?.data).toEqual({
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' },
    });
    expect(stream[3]?.data).toEqual({
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: 'Sure.' },
    });
    expect(stream.at(-2)?.data).toMatchObject({
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: expect.any(Number) },
    });
  });

  it('answers errors as {type:"error", error:{type, message}} with a request id', async () => {
    await start();
    const wrong = await post(ask([{ role: 'user', content: 'hi' }]), { 'x-api-key': 'nope' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      type: 'error',
      error: { type: 'authentication_error', message: 'invalid x-api-key' },
      request_id: expect.stringMatching(/^req_/),
    });
    const noVersion = await post(ask([{ role: 'user', content: 'hi' }]), { 'anthropic-version': '' });
    expect(noVersion.status).toBe(400);
    expect(((await noVersion.json()) as { error: { message: string } }).error.message).toBe(
      'anthropic-version: header is required',
    );
    server.fail('overloaded');
    const busy = await post(ask([{ role: 'user', content: 'hi' }]));
    expect(busy.status).toBe(529);
    expect(((await busy.json()) as { error: { type: string } }).error.type).toBe('overloaded_error');
  });

  it('refuses requests the API refuses', async () => {
    await start();
    const refusal = async (body: unknown, version = '2023-06-01') => {
      const res = await post(body, { 'anthropic-version': version });
      expect(res.status).toBe(400);
      return ((await res.json()) as { error: { message: string } }).error.message;
    };
    expect(await refusal({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true })).toBe(
      'max_tokens: Field required',
    );
    expect(await refusal(ask([{ role: 'user', content: 'hi' }], { temperature: 1 }), '2026-10-21')).toBe(
      'temperature: Extra inputs are not permitted',
    );
    expect(await refusal(ask([{ role: 'user', content: [{ type: 'text', text: '' }] }]))).toBe(
      'messages: text content blocks must be non-empty',
    );
    expect(
      await refusal(
        ask([
          { role: 'user', content: 'where is 4219' },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'ok' }] },
        ]),
      ),
    ).toMatch(/unexpected `tool_use_id` found in `tool_result` blocks: toolu_x/);
    expect(
      await refusal(
        ask([
          { role: 'user', content: 'where is 4219' },
          {
            role: 'assistant',
            content: [{ type: 'tool_use', id: 'toolu_y', name: 'get_order_status', input: {} }],
          },
          { role: 'user', content: 'hello?' },
        ]),
      ),
    ).toMatch(/`tool_use` ids were found without `tool_result` blocks immediately after: toolu_y/);
    // Sampling parameters were still accepted before 2026-10-21.
    expect((await post(ask([{ role: 'user', content: 'hi' }], { temperature: 0.5 }))).status).toBe(200);
  });
});
