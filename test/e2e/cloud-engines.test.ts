/**
 * Parley on the engines users deploy, each reached through a local server that speaks its
 * provider's protocol: `parley call` end to end with every adapter, a fallback chain whose cloud
 * recognizer drops mid-utterance, and a browser call served on cloud STT and TTS. No key ever
 * appears in what Parley prints or logs.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPackageTrackerAgent } from '../../src/apps/package-tracker/index.js';
import { SESSION_SAMPLE_RATE } from '../../src/audio/frame.js';
import { writeWavFile } from '../../src/audio/wav.js';
import type { CallTurnJson } from '../../src/cli/call.js';
import { composeCaller } from '../../src/runtime/caller-audio.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { openDatabase } from '../../src/store/database.js';
import {
  buildWebClient,
  launchCaller,
  pageTurns,
  screenshot,
  startHarness,
  writeCallerWav,
} from './harness.js';
import { userEnv } from './package-helpers.js';
import { KEYS, type Providers, startProviders } from './providers.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', '..', 'bin', 'parley.js');

let dir: string;
let providers: Providers;
let callerWav: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-cloud-e2e-'));
  providers = await startProviders(dir);
  const caller = await composeCaller({
    voice: 'rms',
    parts: [{ pauseMs: 500 }, 'Where is my order number four two one nine?', { pauseMs: 1500 }],
  });
  callerWav = join(dir, 'caller.wav');
  writeWavFile(callerWav, caller.samples, SESSION_SAMPLE_RATE);
});

afterAll(async () => {
  await providers?.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * `parley call --json -o OUT.wav` in a fresh shell's environment plus `engines`: the turns, what it
 * printed, and the stereo recording's agent channel (right).
 */
async function parleyCall(
  engines: Record<string, string>,
): Promise<{ turns: CallTurnJson[]; printed: string; agentChannel: Int16Array }> {
  const env = userEnv({ ...providers.env, PARLEY_DATA_DIR: join(dir, 'data'), ...engines });
  const output = join(
    dir,
    `call-${Object.values(engines)
      .join('-')
      .replace(/[^a-z0-9-]/gi, '_')}.wav`,
  );
  const { stdout, stderr } = await run(
    process.execPath,
    [CLI, 'call', callerWav, '--json', '-o', output, '--max-tail-ms', '12000'],
    { env, timeout: 150_000, maxBuffer: 16 * 1024 * 1024 },
  );
  const stereo = await readFile(output);
  expect(stereo.readUInt16LE(22)).toBe(2); // channels
  const agentChannel = new Int16Array((stereo.length - 44) / 4);
  for (let i = 0; i < agentChannel.length; i++) agentChannel[i] = stereo.readInt16LE(44 + i * 4 + 2);
  return {
    turns: (JSON.parse(stdout) as { turns: CallTurnJson[] }).turns,
    printed: stdout + stderr,
    agentChannel,
  };
}

/** The agent is audible on the recording: its channel carries speech, not just silence. */
function expectAgentAudible(agentChannel: Int16Array): void {
  let loud = 0;
  for (const v of agentChannel) if (Math.abs(v) > 3000) loud++;
  expect(loud / SESSION_SAMPLE_RATE).toBeGreaterThan(0.05);
}

function expectOrderTracked(turns: CallTurnJson[]): void {
  const lookup = turns.find((t) => t.tools.some((tool) => tool.name === 'get_order_status'));
  expect(lookup, JSON.stringify(turns, null, 1)).toBeDefined();
  expect(lookup?.tools).toContainEqual({
    name: 'get_order_status',
    args: { order_number: '4219' },
    status: 'executed',
  });
  expect(lookup?.agentText).toMatch(/four two one nine/);
  expect(lookup?.heardText).toBe(lookup?.agentText);
}

function expectNoSecret(text: string): void {
  for (const key of Object.values(KEYS)) expect(text).not.toContain(key);
}

describe('parley call on cloud engines', () => {
  it('Deepgram, ElevenLabs and an OpenAI-compatible LLM', async () => {
    const { turns, printed } = await parleyCall({
      PARLEY_STT: 'deepgram',
      PARLEY_TTS: 'elevenlabs',
      PARLEY_BRAIN: 'openai',
    });
    expectOrderTracked(turns);
    expectNoSecret(printed);
    expect(providers.elevenlabs.connections.length).toBeGreaterThan(0);
    expect(providers.chat.requests.length).toBeGreaterThan(0);
  });

  it('OpenAI-compatible transcription, Cartesia and Anthropic', async () => {
    const { turns, printed } = await parleyCall({
      PARLEY_STT: 'openai',
      PARLEY_TTS: 'cartesia',
      PARLEY_BRAIN: 'anthropic',
    });
    expectOrderTracked(turns);
    expectNoSecret(printed);
    expect(providers.openaiAudio.requests.some((r) => r.endpoint === 'transcriptions')).toBe(true);
    expect(providers.anthropic.requests.length).toBeGreaterThan(0);
  });

  it('hands the turn to pocketsphinx when Deepgram drops mid-utterance, and speaks with OpenAI-compatible speech', async () => {
    const { turns, printed, agentChannel } = await parleyCall({
      PARLEY_STT: 'deepgram,embedded',
      PARLEY_DEEPGRAM_URL: providers.droppingDeepgramUrl,
      PARLEY_TTS: 'openai',
      PARLEY_BRAIN: 'agent',
    });
    expectOrderTracked(turns);
    expectAgentAudible(agentChannel);
    expect(printed).toMatch(/stt engine deepgram failed, embedded took over/);
    expectNoSecret(printed);
  });
});

describe('a browser call served on cloud STT and TTS', () => {
  it('answers about order 4219 through Deepgram and ElevenLabs, and logs no key', async () => {
    buildWebClient();
    const logLines: string[] = [];
    const h = await startHarness({
      logLines,
      runtime: (dataDir) =>
        createRuntime({
          engines: { stt: 'deepgram', tts: 'elevenlabs' },
          agent: createPackageTrackerAgent({ db: openDatabase(':memory:') }),
          settings: { dataDir, env: providers.env },
        }),
    });
    const wav = join(h.dir, 'question.wav');
    await writeCallerWav(
      wav,
      [{ silenceMs: 5000 }, { say: 'where is my order four two one nine' }, { silenceMs: 12_000 }],
      'rms',
    );
    const context = await launchCaller(wav, join(h.dir, 'profile-cloud'));
    try {
      const page = await context.newPage();
      await page.goto(`${h.server.url}/#key=${h.server.apiKey}`);
      await page.click('#call');
      const handle = await page.waitForFunction(
        () => window.parley.model.turns.find((t) => t.turnId > 0 && t.done && t.agentText)?.turnId,
        undefined,
        { timeout: 60_000, polling: 100 },
      );
      const turnId = (await handle.jsonValue()) as number;
      await screenshot(page, 'cloud-engines-order');
      const turn = (await pageTurns(page)).find((t) => t.turnId === turnId);
      expect(turn?.agentText).toMatch(/in transit/i);
      expect(turn?.agentText).toMatch(/four two one nine|42 ?19/i);
      const engines = await (
        await fetch(`${h.server.url}/v1/engines`, { headers: { authorization: `Bearer ${h.server.apiKey}` } })
      ).text();
      expect(engines).toContain('deepgram');
      expectNoSecret(engines);
    } finally {
      await context.close();
      await h.close();
    }
    expect(providers.deepgram.streams.length).toBeGreaterThan(0);
    expect(logLines.length).toBeGreaterThan(0);
    expectNoSecret(logLines.join('\n'));
  });
});
