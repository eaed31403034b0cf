/**
 * Fallback chains on real adapters: Deepgram (a local server speaking its protocol) first, the
 * embedded pocketsphinx behind it. Each way a cloud recognizer fails hands the caller's words to
 * the next engine, so the turn is still heard, and the handover is reported with a reason that
 * carries no secret.
 */
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_TRACKER_PHRASES } from '../../apps/package-tracker/index.js';
import { splitFrames } from '../../audio/signals.js';
import { SystemClock } from '../../clock.js';
import { composeCaller } from '../../runtime/caller-audio.js';
import {
  type DeepgramServer,
  type DeepgramServerOptions,
  startDeepgramServer,
} from '../../testing/providers/deepgram-server.js';
import { createEngine } from '../catalog.js';
import type { EngineFallbackEvent, EngineSettings, RecognizerEngine } from '../engine.js';
import { chainEngines } from './index.js';

const KEY = 'dg-secret-key-1234567890';
const domain = { phrases: PACKAGE_TRACKER_PHRASES };
let dir: string;
let embedded: RecognizerEngine;
let caller: Int16Array;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-chain-'));
  embedded = await createEngine('stt', 'embedded', settings({}));
  await embedded.prepare?.(domain);
  caller = (
    await composeCaller({
      voice: 'rms',
      parts: [{ pauseMs: 300 }, 'Where is my order four two one nine?', { pauseMs: 600 }],
    })
  ).samples;
}, 120_000);

afterAll(async () => {
  await embedded?.close?.();
  await rm(dir, { recursive: true, force: true });
});

function settings(env: Record<string, string>): EngineSettings {
  return { dataDir: dir, lm: 'domain', speakingRate: 1, env };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** One utterance through a deepgram→embedded chain, audio pushed as fast as it is taken. */
async function recognizeThroughChain(
  url: string,
  key: string,
): Promise<{ text: string; events: EngineFallbackEvent[] }> {
  const events: EngineFallbackEvent[] = [];
  const deepgram = await createEngine(
    'stt',
    'deepgram',
    settings({ DEEPGRAM_API_KEY: key, PARLEY_DEEPGRAM_URL: url }),
  );
  const chain = chainEngines('stt', [deepgram, embedded], {
    retryPrimaryAfterMs: 30_000,
    report: (e) => events.push(e),
  });
  try {
    const recognizer = await chain.createRecognizer(domain, {
      sessionId: 'chain-test',
      clock: new SystemClock(),
    });
    const recognition = recognizer.open();
    const reading = (async () => {
      try {
        for await (const _ of recognition.partials()) {
          // partials keep flowing across the handover
        }
      } catch {
        // finish() reports the outcome
      }
    })();
    for (const frame of splitFrames(caller, 16_000)) {
      recognition.push(frame);
      await new Promise((r) => setImmediate(r));
    }
    const final = await recognition.finish();
    await reading;
    await recognizer.close?.();
    return { text: final.text, events };
  } finally {
    await deepgram.close?.();
  }
}

describe('a deepgram,embedded chain', () => {
  const servers: DeepgramServer[] = [];
  const start = async (o: Partial<DeepgramServerOptions>) => {
    const server = await startDeepgramServer({
      recognizer: () => embedded.createRecognizer(domain, { sessionId: 'dg', clock: new SystemClock() }),
      apiKey: KEY,
      ...o,
    });
    servers.push(server);
    return server;
  };
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('is served by deepgram while it works, with no handover', async () => {
    const server = await start({});
    const { text, events } = await recognizeThroughChain(server.url, KEY);
    expect(text).toMatch(/four two one nine/);
    expect(events).toEqual([]);
  }, 60_000);

  const failures: [string, (server?: DeepgramServer) => Promise<{ url: string; key: string }>, RegExp][] = [
    [
      'a wrong key (401)',
      async () => ({ url: (await start({})).url, key: 'wrong-key-0987654321' }),
      /401|DEEPGRAM_API_KEY/,
    ],
    [
      'a rate limit (429)',
      async () => ({ url: (await start({ rateLimited: true })).url, key: KEY }),
      /429|rate/i,
    ],
    [
      'a refused connection',
      async () => ({ url: `ws://127.0.0.1:${await freePort()}/v1/listen`, key: KEY }),
      /refused|connect/i,
    ],
    [
      'a socket dropped mid-utterance',
      async () => ({ url: (await start({ dropAfterAudioMs: 800 })).url, key: KEY }),
      /1006|closed|drop/i,
    ],
    [
      'a final that never comes (timeout)',
      async () => ({ url: (await start({ stallFinalize: true })).url, key: KEY }),
      /final|time/i,
    ],
  ];

  for (const [name, setUp, reason] of failures) {
    it(`hands the turn to the embedded recognizer on ${name}, and the words are heard`, async () => {
      const { url, key } = await setUp();
      const { text, events } = await recognizeThroughChain(url, key);
      expect(text).toMatch(/four two one nine/);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ kind: 'stt', from: 'deepgram', to: 'embedded' });
      expect(events[0]?.reason).toMatch(reason);
      expect(JSON.stringify(events)).not.toContain(key);
    }, 60_000);
  }
});
