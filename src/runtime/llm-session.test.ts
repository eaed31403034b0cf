import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_SAMPLE_RATE } from '../audio/frame.js';
import { concat, silence, sine, splitFrames } from '../audio/signals.js';
import { createPackageTrackerAgent } from '../apps/package-tracker/index.js';
import { VirtualClock } from '../clock.js';
import type { SessionEvent } from '../conversation/events.js';
import { Session } from '../conversation/session.js';
import { EnergyVad, ScriptedRecognizer, ToneSynthesizer } from '../testing/index.js';
import { openDatabase } from '../store/database.js';
import { createToolGateway } from '../tools/gateway.js';
import { brainFromEnv } from '../engines/openai/from-env.js';

interface WireMessage {
  role: string;
  content: string | null;
  tool_calls?: unknown[];
}

/**
 * A chat-completions server on loopback playing an LLM: it looks the order up with the tool
 * it was offered, then answers from the tool result it is sent back.
 */
describe('the package tracker with an OpenAI-compatible LLM', () => {
  let server: Server;
  let baseUrl: string;
  const requests: {
    messages: WireMessage[];
    tools?: { function: { name: string; parameters: unknown } }[];
  }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        const request = JSON.parse(body) as (typeof requests)[number];
        requests.push(request);
        const last = request.messages.at(-1);
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const send = (chunk: unknown) => res.write(`data: ${JSON.stringify(chunk)}\n\n`);
        if (last?.role === 'user') {
          send({
            choices: [
              {
                delta: {
                  tool_calls: [
                    { index: 0, id: 'call_1', function: { name: 'get_order_status', arguments: '{"order_' } },
                  ],
                },
              },
            ],
          });
          send({
            choices: [
              {
                delta: { tool_calls: [{ index: 0, function: { arguments: 'number":"4219"}' } }] },
                finish_reason: 'tool_calls',
              },
            ],
          });
        } else {
          const result = JSON.parse(last?.content ?? '{}') as { result?: { carrier?: string; eta?: string } };
          for (const piece of [
            'Your order is on its way with ',
            result.result?.carrier ?? '?',
            ', due ',
            result.result?.eta ?? '?',
            '.',
          ]) {
            send({ choices: [{ delta: { content: piece } }] });
          }
          send({ choices: [{ delta: {}, finish_reason: 'stop' }] });
        }
        send({ choices: [], usage: { prompt_tokens: 120, completion_tokens: 12 } });
        res.end('data: [DONE]\n\n');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('offers the tools, runs the proposed lookup through the gateway and speaks the answer', async () => {
    const clock = new VirtualClock();
    const agent = createPackageTrackerAgent({ db: openDatabase(':memory:') });
    const brain = brainFromEnv({ PARLEY_LLM_BASE_URL: baseUrl, PARLEY_LLM_MODEL: 'test-model' });
    if (!brain) throw new Error('no brain from the environment');
    const session = new Session(
      {
        id: 'llm',
        clock,
        vad: new EnergyVad(),
        recognizer: new ScriptedRecognizer({ clock, script: ['where is my order four two one nine'] }),
        synthesizer: new ToneSynthesizer({ clock, msPerChar: 10 }),
        brain,
        tools: createToolGateway({ sessionId: 'llm', tools: agent.tools, clock }),
        agent,
      },
      { idleCheckInMs: 0 },
    );
    const events: SessionEvent[] = [];
    session.onEvent((e) => events.push(e));
    session.start();
    const caller = concat(sine(220, 1200, SESSION_SAMPLE_RATE, 0.3), silence(600, SESSION_SAMPLE_RATE));
    for (const frame of splitFrames(caller, SESSION_SAMPLE_RATE)) {
      session.pushAudio(frame);
      await clock.advance(20);
    }
    // The LLM answers over real loopback HTTP: real time between virtual steps.
    for (let i = 0; i < 500 && !events.some((e) => e.type === 'reply_done'); i++) {
      await new Promise((r) => setTimeout(r, 2));
      await clock.advance(20);
    }
    await session.close();

    expect(requests[0]?.messages.at(-1)).toMatchObject({
      role: 'user',
      content: 'where is my order four two one nine',
    });
    expect(requests[0]?.messages[0]).toMatchObject({ role: 'system' });
    expect(requests[0]?.tools?.map((t) => t.function.name)).toEqual([
      'get_order_status',
      'verify_caller',
      'send_tracking_link',
      'cancel_order',
      'transfer_to_human',
    ]);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'tool_executed', name: 'get_order_status', status: 'executed' }),
    );
    const [trace] = session.traces();
    expect(trace?.agentText).toBe('Your order is on its way with UPS, due Thursday.');
    expect(trace?.tools).toEqual([
      { name: 'get_order_status', args: { order_number: '4219' }, status: 'executed' },
    ]);
  });
});
