/**
 * Both LLM brain adapters against their local protocol servers, the same way: the servers answer
 * with the package tracker's own rule brain, so what comes back is a real answer to what was
 * sent (a tool call for "where is four two one nine", then the status read from the tool result).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createPackageTrackerAgent, PACKAGE_TRACKER_PERSONA } from '../../apps/package-tracker/index.js';
import { SAY } from '../../apps/package-tracker/replies.js';
import { SystemClock } from '../../clock.js';
import { HedgedBrain } from '../../conversation/hedging.js';
import { toolResultContent } from '../../conversation/tool-message.js';
import { AnthropicBrain } from '../../engines/anthropic/anthropic-brain.js';
import { OpenAiBrain } from '../../engines/openai/openai-brain.js';
import { type Brain, type BrainDelta, type ChatMessage, EngineError } from '../../engines/types.js';
import { openDatabase } from '../../store/database.js';
import { createToolGateway } from '../../tools/gateway.js';
import { type AnthropicFailure, startAnthropicServer } from './anthropic-server.js';
import { type ChatFailure, startOpenAiChatServer } from './openai-chat-server.js';
import { failureOf } from './test-helpers.js';

type Failure = ChatFailure & AnthropicFailure;

/** What both servers record of a request. */
interface Recorded {
  status: number;
  body: Record<string, unknown>;
  messages: ChatMessage[];
  deltas: BrainDelta[];
  closedByClient: boolean;
  ended: Promise<void>;
}

interface Served {
  requests: Recorded[];
  brain(o?: { apiKey?: string; timeoutMs?: number }): Brain;
  close(): Promise<void>;
}

interface ServeOptions {
  apiKey?: string;
  failure?: Failure;
  deltaDelayMs?: number;
}

const KEY = 'sk-test-0123456789abcdefRIGHT';
const WRONG_KEY = 'sk-test-0123456789abcdefWRONG';

function trackerBrain(): Brain {
  return createPackageTrackerAgent({ db: openDatabase(':memory:') }).createBrain();
}

const PROVIDERS: { name: string; serve(o: ServeOptions): Promise<Served>; fixes: RegExp }[] = [
  {
    name: 'OpenAI chat completions',
    fixes: /PARLEY_LLM_API_KEY/,
    async serve(o) {
      const server = await startOpenAiChatServer({ brain: trackerBrain(), ...o });
      return {
        requests: server.requests,
        brain: (b = {}) => new OpenAiBrain({ baseUrl: server.url, model: 'gpt-test', apiKey: KEY, ...b }),
        close: () => server.close(),
      };
    },
  },
  {
    name: 'Anthropic Messages',
    fixes: /ANTHROPIC_API_KEY/,
    async serve(o) {
      const server = await startAnthropicServer({ brain: trackerBrain(), ...o });
      return {
        requests: server.requests,
        brain: (b = {}) =>
          new AnthropicBrain({ baseUrl: server.url, model: 'claude-test', apiKey: KEY, ...b }),
        close: () => server.close(),
      };
    },
  },
];

const running: Served[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function serve(provider: (typeof PROVIDERS)[number], o: ServeOptions = {}): Promise<Served> {
  const served = await provider.serve({ apiKey: KEY, ...o });
  running.push(served);
  return served;
}

function opening(userText: string): ChatMessage[] {
  return [
    { role: 'system', content: PACKAGE_TRACKER_PERSONA },
    { role: 'assistant', content: SAY.greeting },
    { role: 'user', content: userText },
  ];
}

async function collect(brain: Brain, messages: ChatMessage[], signal = new AbortController().signal) {
  const agent = createPackageTrackerAgent({ db: openDatabase(':memory:') });
  const tools = createToolGateway({ sessionId: 't', tools: agent.tools, clock: new SystemClock() }).specs();
  const deltas: BrainDelta[] = [];
  for await (const d of brain.respond({ messages, tools }, signal)) deltas.push(d);
  return deltas;
}

const textOf = (deltas: BrainDelta[]) => deltas.map((d) => (d.type === 'text' ? d.text : '')).join('');

describe.each(PROVIDERS)('$name brain against its local server', (provider) => {
  it('streams a spoken answer as text deltas, with token usage', async () => {
    const served = await serve(provider);
    const deltas = await collect(served.brain(), opening('where is my order'));
    expect(textOf(deltas)).toBe(SAY.askTrack);
    expect(deltas.filter((d) => d.type === 'text').length).toBeGreaterThan(1);
    const usage = deltas.filter((d) => d.type === 'usage');
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ inputTokens: expect.any(Number), outputTokens: expect.any(Number) });
    expect((usage[0] as { inputTokens: number }).inputTokens).toBeGreaterThan(0);
    // The greeting opens the conversation: the server accepted it and the brain saw the caller's words.
    expect(served.requests[0]?.messages.at(-1)).toEqual({ role: 'user', content: 'where is my order' });
  });

  it('proposes get_order_status, then answers from the tool result sent back', async () => {
    const served = await serve(provider);
    const brain = served.brain();
    const messages = opening('where is my order four two one nine');
    const first = await collect(brain, messages);
    const calls = first.flatMap((d) => (d.type === 'tool_call' ? [d.call] : []));
    expect(calls).toHaveLength(1);
    const call = calls[0] as (typeof calls)[number];
    expect(call.name).toBe('get_order_status');
    expect(JSON.parse(call.arguments)).toEqual({ order_number: '4219' });
    expect(call.id).not.toBe('');

    // The lookup runs through the tool gateway, as in a session.
    const agent = createPackageTrackerAgent({ db: openDatabase(':memory:') });
    const gateway = createToolGateway({ sessionId: 't', tools: agent.tools, clock: new SystemClock() });
    const outcome = await gateway.propose(
      {
        callId: call.id,
        name: call.name,
        arguments: call.arguments,
        sessionId: 't',
        turnId: 1,
        phase: 'committed',
      },
      new AbortController().signal,
    );
    messages.push(
      { role: 'assistant', content: '', toolCalls: [call] },
      { role: 'tool', content: toolResultContent(outcome), toolCallId: call.id, name: call.name },
    );
    const second = await collect(brain, messages);
    expect(textOf(second)).toBe(
      'Order four two one nine is in transit with UPS and should arrive Thursday. It was delayed by weather.',
    );
    // The server got the result as the answer to that very call.
    expect(served.requests[1]?.messages.at(-1)).toMatchObject({
      role: 'tool',
      name: 'get_order_status',
      content: expect.stringContaining('"carrier":"UPS"'),
    });
  });

  it('a barge-in closes the HTTP request: the server sees the connection close mid-answer', async () => {
    const served = await serve(provider, { deltaDelayMs: 150 });
    const barge = new AbortController();
    const seen: BrainDelta[] = [];
    for await (const d of served
      .brain()
      .respond({ messages: opening('where is my order'), tools: [] }, barge.signal)) {
      seen.push(d);
      barge.abort(new Error('caller barged in'));
    }
    expect(seen).toEqual([{ type: 'text', text: 'Sure.' }]);
    const request = served.requests[0] as Recorded;
    await request.ended;
    expect(request.closedByClient).toBe(true);
    // The server stopped streaming: the rest of the answer was never generated.
    expect(request.deltas.length).toBeLessThan(4);
  });

  it('a barge-in before the answer starts closes the request too', async () => {
    const served = await serve(provider, { failure: 'stall' });
    const barge = new AbortController();
    const reply = collect(served.brain(), opening('where is my order'), barge.signal);
    for (let i = 0; i < 200 && served.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    barge.abort(new Error('caller barged in'));
    expect(await reply).toEqual([]);
    const request = served.requests[0] as Recorded;
    await request.ended;
    expect(request.closedByClient).toBe(true);
  });

  it('a consumer that stops reading closes the request', async () => {
    const served = await serve(provider, { deltaDelayMs: 100 });
    for await (const _ of served
      .brain()
      .respond({ messages: opening('where is my order'), tools: [] }, new AbortController().signal))
      break;
    const request = served.requests[0] as Recorded;
    await request.ended;
    expect(request.closedByClient).toBe(true);
  });

  it('a rejected key is an engine error naming the fix, without the key', async () => {
    const served = await serve(provider);
    const err = await failureOf(collect(served.brain({ apiKey: WRONG_KEY }), opening('hello')));
    expect(err).toBeInstanceOf(EngineError);
    expect(err.message).toMatch(/HTTP 401/);
    expect(err.message).toMatch(provider.fixes);
    expect(err.message).not.toContain(WRONG_KEY);
    expect(err.message).not.toContain('WRONG');
    expect(String(err.stack)).not.toContain(WRONG_KEY);
    expect(served.requests[0]?.status).toBe(401);
  });

  it('rate limiting (429) is an engine error that says so', async () => {
    const served = await serve(provider, { failure: 'rate_limit' });
    const err = await failureOf(collect(served.brain(), opening('hello')));
    expect(err).toBeInstanceOf(EngineError);
    expect(err.message).toMatch(/HTTP 429.*rate limit.*Fix: .*rate limit/i);
    expect(err.message).not.toContain(KEY);
  });

  it('an error event mid-stream fails the reply after the text already streamed', async () => {
    const served = await serve(provider, { failure: 'error_mid_stream' });
    const seen: BrainDelta[] = [];
    const err = await failureOf(
      (async () => {
        for await (const d of served
          .brain()
          .respond({ messages: opening('where is my order'), tools: [] }, new AbortController().signal))
          seen.push(d);
      })(),
    );
    expect(seen).toEqual([{ type: 'text', text: 'Sure.' }]);
    expect(err).toBeInstanceOf(EngineError);
    expect(err.message).toMatch(/error mid-stream/);
  });

  it('a connection dropped mid-stream fails the reply', async () => {
    const served = await serve(provider, { failure: 'drop_mid_stream' });
    const err = await failureOf(collect(served.brain(), opening('where is my order')));
    expect(err).toBeInstanceOf(EngineError);
  });

  it('a server that stalls mid-stream fails the reply after timeoutMs and closes the request', async () => {
    const served = await serve(provider, { failure: 'stall_mid_stream' });
    const err = await failureOf(collect(served.brain({ timeoutMs: 400 }), opening('where is my order')));
    expect(err).toBeInstanceOf(EngineError);
    expect(err.message).toMatch(/no answer from .* for 400 ms/);
    const request = served.requests[0] as Recorded;
    await request.ended;
    expect(request.closedByClient).toBe(true);
  });
});

describe('HedgedBrain over an OpenAI-compatible and an Anthropic brain', () => {
  it.each([
    ['the OpenAI-compatible server', 'openai' as const],
    ['the Anthropic server', 'anthropic' as const],
  ])('when %s stalls, the other answers and the stalled request is closed', async (_label, stalled) => {
    const [openai, anthropic] = await Promise.all([
      serve(PROVIDERS[0] as (typeof PROVIDERS)[number], stalled === 'openai' ? { failure: 'stall' } : {}),
      serve(PROVIDERS[1] as (typeof PROVIDERS)[number], stalled === 'anthropic' ? { failure: 'stall' } : {}),
    ]);
    const hedged = new HedgedBrain([openai.brain(), anthropic.brain()]);
    const deltas = await collect(hedged, opening('where is my order'));
    expect(textOf(deltas)).toBe(SAY.askTrack);
    const loser = (stalled === 'openai' ? openai : anthropic).requests[0] as Recorded;
    const winner = (stalled === 'openai' ? anthropic : openai).requests[0] as Recorded;
    await loser.ended;
    expect(loser.closedByClient).toBe(true);
    expect(loser.status).toBe(0);
    expect(winner.status).toBe(200);
  });
});
