import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedCallResult } from '../../runtime/recorded-call.js';
import { type CartesiaServer, startCartesiaServer } from '../../testing/providers/cartesia-server.js';
import { expectHeardOrderStatus, runProviderCall } from '../../testing/providers/test-helpers.js';
import { createSynthesizer } from '../tts.js';
import { createCartesiaEngine } from './engine.js';

/**
 * A real call through Parley (Silero, pocketsphinx, the package tracker's own brain) whose
 * agent speaks through the cartesia adapter and the local TTS WebSocket server.
 */
describe('a call whose agent speaks through Cartesia', () => {
  let dir: string;
  let server: CartesiaServer;
  let result: RecordedCallResult;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-cartesia-call-'));
    server = await startCartesiaServer({ synthesizer: await createSynthesizer('slt'), apiKey: 'call-key' });
    result = await runProviderCall({
      engines: { tts: createCartesiaEngine({ apiKey: 'call-key', url: server.url, voices: ['voice-c'] }) },
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
      .filter((m) => typeof m.transcript === 'string')
      .map((m) => String(m.transcript).trim());
    expect(sent.join(' ')).toContain(turn.agentText);
  });
});
