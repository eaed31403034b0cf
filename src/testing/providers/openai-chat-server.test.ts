/** The chat-completions test server speaks the documented wire format and refuses what the API refuses. */
import { afterEach, describe, expect, it } from 'vitest';
import { createPackageTrackerAgent } from '../../apps/package-tracker/index.js';
import { openDatabase } from '../../store/database.js';
import { type OpenAiChatServer, startOpenAiChatServer } from './openai-chat-server.js';

const KEY = 'sk-chat-server-test-0123456789';
let server: OpenAiChatServer;
afterEach(() => server.close());

async function start(): Promise<OpenAiChatServer> {
  server = await startOpenAiChatServer({
    brain: createPackageTrackerAgent({ db: openDatabase(':memory:') }).createBrain(),
    apiKey: KEY,
  });
  return server;
}

function post(body: unknown, key = KEY): Promise<Response> {
  return fetch(`${server.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
}

const ask = (messages: unknown[], extra: Record<string, unknown> = {}) => ({
  model: 'gpt-test',
  stream: true,
  stream_options: { include_usage: true },
  messages,
  ...extra,
});

/** The `data:` payloads of an SSE body. */
function chunks(text: string): string[] {
  return text
    .trim()
    .split('\n\n')
    .map((block) => block.replace(/^data: /, ''));
}

describe('the chat-completions test server', () => {
  it('streams chunks, tool calls as fragments by index, a usage chunk, then [DONE]', async () => {
    await start();
    const res = await post(ask([{ role: 'user', content: 'where is my order four two one nine' }]));
    expect(res.status).toBe(200);
    const data = chunks(await res.text());
    expect(data.at(-1)).toBe('[DONE]');
    const parsed = data.slice(0, -1).map((d) => JSON.parse(d) as Record<string, unknown>);
    for (const c of parsed) expect(c).toMatchObject({ object: 'chat.completion.chunk', model: 'gpt-test' });
    const deltas = parsed.flatMap((c) =>
      (c.choices as { delta: Record<string, unknown> }[]).map((ch) => ch.delta),
    );
    expect(deltas[0]).toMatchObject({ role: 'assistant', content: '' });
    const fragments = deltas.flatMap(
      (d) => (d.tool_calls as { function: { arguments: string } }[] | undefined) ?? [],
    );
    expect(fragments[0]).toMatchObject({ index: 0, id: expect.stringMatching(/^call_/), type: 'function' });
    expect(fragments.map((f) => f.function.arguments).join('')).toBe('{"order_number":"4219"}');
    expect(fragments.length).toBeGreaterThan(2);
    const finish = parsed.flatMap((c) =>
      (c.choices as { finish_reason: string | null }[]).map((ch) => ch.finish_reason),
    );
    expect(finish.filter(Boolean)).toEqual(['tool_calls']);
    expect(parsed.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: expect.any(Number) } });
    // Every other chunk carries `usage: null`, as documented for include_usage.
    expect(parsed.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });

  it('answers OpenAI error bodies: wrong key (masked), tool message without a call, rate limit', async () => {
    await start();
    const wrong = await post(ask([{ role: 'user', content: 'hi' }]), 'sk-wrong-key-000000');
    expect(wrong.status).toBe(401);
    const body = (await wrong.json()) as { error: { message: string; code: string } };
    expect(body.error.code).toBe('invalid_api_key');
    expect(body.error.message).not.toContain('sk-wrong-key-000000');
    const orphan = await post(ask([{ role: 'tool', tool_call_id: 'call_x', content: '{}' }]));
    expect(orphan.status).toBe(400);
    expect(((await orphan.json()) as { error: { message: string } }).error.message).toMatch(
      /messages with role 'tool' must be a response to a preceeding message with 'tool_calls'/,
    );
    server.fail('rate_limit');
    const limited = await post(ask([{ role: 'user', content: 'hi' }]));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('20');
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');
  });
});
