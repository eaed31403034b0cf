import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedCallResult } from '../../runtime/recorded-call.js';
import { type ElevenLabsServer, startElevenLabsServer } from '../../testing/providers/elevenlabs-server.js';
import { expectHeardOrderStatus, runProviderCall } from '../../testing/providers/test-helpers.js';
import { createSynthesizer } from '../tts.js';
import { createElevenLabsEngine } from './engine.js';

/**
 * A real call through Parley (Silero, pocketsphinx, the package tracker's own brain) whose
 * agent speaks through the elevenlabs adapter and the local stream-input server.
 */
describe('a call whose agent speaks through ElevenLabs', () => {
  let dir: string;
  let server: ElevenLabsServer;
  let result: RecordedCallResult;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-elevenlabs-call-'));
    server = await startElevenLabsServer({ synthesizer: await createSynthesizer('slt'), apiKey: 'call-key' });
    result = await runProviderCall({
      engines: {
        tts: createElevenLabsEngine({ apiKey: 'call-key', baseUrl: server.url, voices: ['voice-a'] }),
      },
      dataDir: dir,
      sessionOptions: { idleCheckInMs: 0 },
    });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers with the order status, spoken by the server, and the caller heard all of it', () => {
    const turn = expectHeardOrderStatus(result);
    // The reply's clauses went to the server.
    const sent = server.connections
      .flatMap((c) => c.messages.map((m) => m.message))
      .filter((m) => m.flush === true)
      .map((m) => String(m.text).trim());
    expect(sent.join(' ')).toContain(turn.agentText);
  });
});
