/**
 * Browser end-to-end harness: a real Parley server on loopback, the real web client in Debian's
 * headless Chromium (playwright-core), a fake microphone playing a generated WAV.
 */
import { execFileSync } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { resample } from '../../src/audio/resampler.js';
import { concat, silence } from '../../src/audio/signals.js';
import { writeWavFile } from '../../src/audio/wav.js';
import type { ControlRuntime } from '../../src/control/runtime-contract.js';
import { createServer, type ParleyServer } from '../../src/control/server.js';
import { createSynthesizer, type VoiceName } from '../../src/engines/tts.js';
import { AGENT_AUDIO_CHANNEL, type AgentAudioDiagnostic } from '../../src/media/diagnostics.js';
import type { TurnView } from '../../web/src/model.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const OUTPUT_DIR = join(ROOT, 'test-output', 'e2e');
const WAV_RATE = 16_000;

export function buildWebClient(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-web.mjs')], { stdio: 'ignore' });
}

/** `gain` scales the speech (clipped at full scale), e.g. a caller talking over the agent. */
export type WavPart = { silenceMs: number } | { say: string; gain?: number };

/** A caller's microphone recording: spoken parts (flite) and silences, 16-bit mono 16 kHz. */
export async function writeCallerWav(
  path: string,
  parts: WavPart[],
  voice: VoiceName = 'kal16',
): Promise<void> {
  const synth = await createSynthesizer(voice);
  const chunks: Int16Array[] = [];
  for (const part of parts) {
    if ('silenceMs' in part) {
      chunks.push(silence(part.silenceMs, WAV_RATE));
      continue;
    }
    const frames: Int16Array[] = [];
    for await (const frame of synth.synthesize(part.say, new AbortController().signal))
      frames.push(frame.samples);
    let speech = concat(...frames);
    if (synth.sampleRate !== WAV_RATE) speech = resample(speech, synth.sampleRate, WAV_RATE);
    const gain = part.gain ?? 1;
    if (gain !== 1) speech = speech.map((v) => Math.max(-32768, Math.min(32767, Math.round(v * gain))));
    chunks.push(speech);
  }
  await synth.close?.();
  writeWavFile(path, concat(...chunks), WAV_RATE);
}

export interface Harness {
  dir: string;
  /** Added to the server's wall clock (token expiry). */
  wallSkewMs: number;
  server: ParleyServer;
  /** Agent audio leaving the server and barge-in flushes, in performance.now() time. */
  agentAudio: AgentAudioDiagnostic[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** The server's runtime (default: the embedded one), e.g. one on cloud engines. */
  runtime?: (dataDir: string) => ControlRuntime;
  /** When given, the server logs at info level into it, one JSON line each. */
  logLines?: string[];
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-e2e-'));
  const harness = { wallSkewMs: 0 } as Harness;
  const { logLines } = opts;
  const runtime = opts.runtime?.(join(dir, 'data'));
  // The wall clock can be moved forward to expire tokens without waiting.
  const server = await createServer({
    port: 0,
    dataDir: join(dir, 'data'),
    logger: logLines ? { level: 'info', stream: { write: (line: string) => logLines.push(line) } } : false,
    wallNow: () => Date.now() + harness.wallSkewMs,
    ...(runtime ? { runtime } : {}),
  });
  const agentAudio: AgentAudioDiagnostic[] = [];
  const onMessage = (m: unknown) => agentAudio.push(m as AgentAudioDiagnostic);
  diagnostics.subscribe(AGENT_AUDIO_CHANNEL, onMessage);
  harness.dir = dir;
  harness.server = server;
  harness.agentAudio = agentAudio;
  harness.close = async () => {
    diagnostics.unsubscribe(AGENT_AUDIO_CHANNEL, onMessage);
    await server.close();
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return harness;
}

/** Headless Debian Chromium with a fake microphone playing `wavPath` once, in a fresh profile. */
export async function launchCaller(
  wavPath: string,
  profileDir: string,
  extraArgs: string[] = [],
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 900, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${wavPath}%noloop`,
      '--autoplay-policy=no-user-gesture-required',
      ...extraArgs,
    ],
  });
}

/** A turn as the page's model holds it (read through `window.parley`). */
export type PageTurn = TurnView;

export async function pageTurns(page: Page): Promise<PageTurn[]> {
  return page.evaluate(() => JSON.parse(JSON.stringify(window.parley.model.turns)));
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const path = join(OUTPUT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Creates a session through the control API; returns its token and media URLs. */
export async function createSession(
  server: ParleyServer,
): Promise<{ sessionId: string; token: string; media: { webrtc: string; websocket: string } }> {
  const res = await fetch(`${server.url}/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.apiKey}` },
    body: '{}',
  });
  if (res.status !== 201) throw new Error(`session request failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as {
    sessionId: string;
    token: string;
    media: { webrtc: string; websocket: string };
  };
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}
