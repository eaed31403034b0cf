/**
 * Regression: served LLM sessions silently fell back to the slot summary. The runtime enabled
 * the LLM-written summary only for `instanceof OpenAiBrain`, and the server wraps every brain in
 * its budget guard, so no served session ever matched. Capabilities now travel on the Brain.
 */
import { once } from 'node:events';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createPackageTrackerAgent } from '../apps/package-tracker/index.js';
import { concat, silence, sine, splitFrames } from '../audio/signals.js';
import { encodeAudioMessage } from '../media/websocket/audio-message.js';
import { openDatabase } from '../store/database.js';
import { ScriptedRuntime } from '../testing/index.js';
import { TestServers } from '../testing/test-servers.js';

const KEY = 'pk_served_llm_summary_test_0123456789';
const SUMMARY = 'The caller asked about order four two one nine twice.';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ChatRequest {
  messages: { role: string; content: string | null }[];
}

describe('served LLM sessions fall back to the slot summary (regression)', () => {
  let llm: Server;
  let baseUrl: string;
  const requests: ChatRequest[] = [];
  const servers = new TestServers({}, 'parley-llm-summary-');

  beforeAll(async () => {
    // An OpenAI-compatible server on loopback: a summary when asked for one, else a short answer.
    llm = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        if (req.method !== 'POST') {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end('{"error":{"message":"not found"}}');
          return;
        }
        const request = JSON.parse(body) as ChatRequest;
        requests.push(request);
        const asksSummary = String(request.messages[0]?.content).startsWith('Summarize this phone call');
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const text = asksSummary ? SUMMARY : 'It is in transit.';
        res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: text } }] })}\n\n`);
        res.write(`data: ${JSON.stringify({ choices: [{ delta: {}, finish_reason: 'stop' }] })}\n\n`);
        res.end('data: [DONE]\n\n');
      });
    });
    llm.listen(0, '127.0.0.1');
    await once(llm, 'listening');
    baseUrl = `http://127.0.0.1:${(llm.address() as AddressInfo).port}/v1`;
  });

  afterAll(async () => {
    llm.closeAllConnections();
    await new Promise((r) => llm.close(r));
  });

  it('a served session on the LLM brain engine has its summary written by the LLM', async () => {
    const db = openDatabase(':memory:');
    try {
      const server = await servers.start({
        apiKeys: [KEY],
        agents: [createPackageTrackerAgent({ db })],
        sessionOptions: { summaryEveryTurns: 2, keepRecentMessages: 1, idleCheckInMs: 0 },
        runtime: new ScriptedRuntime({
          script: ['where is order four two one nine', 'and when will it come', 'thank you'],
          brain: 'openai',
          settings: { env: { PARLEY_LLM_BASE_URL: baseUrl, PARLEY_LLM_MODEL: 'test-model' } },
        }),
      });
      const res = await fetch(`${server.url}/v1/sessions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status).toBe(201);
      const { token } = (await res.json()) as { token: string };
      const socket = new WebSocket(`${server.url.replace('http', 'ws')}/v1/media/ws?token=${token}`);
      const replies: unknown[] = [];
      socket.on('message', (data, isBinary) => {
        if (!isBinary && JSON.parse(data.toString()).type === 'reply_done') replies.push(data);
      });
      await once(socket, 'open');
      for (let turn = 1; turn <= 3; turn++) {
        for (const frame of splitFrames(concat(sine(300, 700, 16_000, 0.3), silence(900, 16_000)), 16_000)) {
          socket.send(encodeAudioMessage(frame.samples));
          await sleep(20);
        }
        for (let i = 0; i < 200 && replies.length < turn; i++) await sleep(20);
      }
      socket.close();
      expect(replies.length).toBeGreaterThanOrEqual(3);
      expect(
        requests.some((r) => String(r.messages[0]?.content).startsWith('Summarize this phone call')),
      ).toBe(true);
      // The third turn's request carries the LLM's own summary, not the slot summary.
      const last = requests.filter((r) => !String(r.messages[0]?.content).startsWith('Summarize')).at(-1);
      expect(JSON.stringify(last?.messages)).toContain(SUMMARY);
    } finally {
      // The server closes first: its agent's orders live in `db`.
      await servers.closeAll();
      db.close();
    }
  }, 30_000);
});
