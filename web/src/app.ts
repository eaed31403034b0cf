/**
 * The Parley call page: gets a session with the API key, connects media (WebRTC, or the
 * WebSocket fallback), shows state, transcript and per-turn latency, and reports when the
 * agent's audio became audible. `window.parley` is a small surface for tests and tinkering.
 */
import type { SessionEvent } from '../../src/conversation/events.js';
import { applyEvent, applyHeardStart, type CallModel, emptyModel } from './model.js';
import { MediaRequestFailed, startRtcCall } from './rtc-call.js';
import { type CallTransport, MIC_CONSTRAINTS } from './transport.js';
import { renderLevel, renderStatus, renderTranscript } from './view.js';
import { startWsCall } from './ws-call.js';

/** RMS (fraction of full scale, about −40 dBFS) above which agent audio counts as audible. */
const AUDIBLE_RMS = 0.01;
const RMS_LOG_MAX = 6000;

interface ReceivedEvent {
  localMs: number;
  event: Record<string, unknown>;
}

interface ParleySurface {
  model: CallModel;
  /** Current RMS of the agent audio as played. */
  remoteRms: number;
  /** Recent RMS samples (every 20 ms) with page time (performance.now()). */
  rmsLog: { t: number; rms: number }[];
  /** Every message received, with page time. */
  events: ReceivedEvent[];
  /** The client's last playout delay estimate (jitter buffer + device), ms. */
  playoutDelayMs: number | undefined;
  /** Heard reports sent: turn and session time. */
  heard: { turnId: number; atMs: number }[];
  sessionId: string | undefined;
  /** Connection states in order (…, 'reconnecting', 'connected' after a resume). */
  connectionLog: string[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

declare global {
  interface Window {
    parley: ParleySurface;
  }
}

const params = new URLSearchParams(location.hash.slice(1));
const keyInput = document.getElementById('api-key') as HTMLInputElement;
const transportSelect = document.getElementById('transport') as HTMLSelectElement;
const agentSelect = document.getElementById('agent') as HTMLSelectElement;
const callButton = document.getElementById('call') as HTMLButtonElement;
const audioElement = document.getElementById('remote-audio') as HTMLAudioElement;
keyInput.value = params.get('key') ?? localStorage.getItem('parley.key') ?? '';
const forced = params.get('transport');
if (forced === 'ws' || forced === 'websocket') transportSelect.value = 'websocket';
else if (forced === 'webrtc') transportSelect.value = 'webrtc';

/** Fills the agent menu from the server's list (`#agent=NAME` preselects one). */
async function loadAgents(): Promise<void> {
  const key = keyInput.value.trim();
  if (!key) return;
  const res = await fetch('/v1/agents', { headers: { authorization: `Bearer ${key}` } }).catch(
    () => undefined,
  );
  if (!res?.ok) return;
  const { agents } = (await res.json()) as { agents: { name: string; description: string }[] };
  agentSelect.replaceChildren(
    ...agents.map((a) => {
      const option = document.createElement('option');
      option.value = a.name;
      option.textContent = a.description ? `${a.name}: ${a.description}` : a.name;
      return option;
    }),
  );
  const wanted = params.get('agent');
  if (wanted && agents.some((a) => a.name === wanted)) agentSelect.value = wanted;
}
void loadAgents();
keyInput.addEventListener('change', () => void loadAgents());

let model = emptyModel();
let transport: CallTransport | undefined;
let mic: MediaStream | undefined;
let meterTimer: number | undefined;
let latencyTimer: number | undefined;
/** Turn whose agent audio started and is not yet measured audible, with the session time of the event. */
let awaitingAudible: { turnId: number; eventAtMs: number; receivedLocalMs: number } | undefined;

const surface: ParleySurface = {
  model,
  remoteRms: 0,
  rmsLog: [],
  events: [],
  heard: [],
  playoutDelayMs: undefined,
  sessionId: undefined,
  connectionLog: [],
  start: () => startCall(),
  stop: () => stopCall(),
};
window.parley = surface;

function render(): void {
  renderStatus(model);
  renderTranscript(model);
  callButton.textContent = transport ? 'Hang up' : 'Start call';
  callButton.classList.toggle('active', transport !== undefined);
}

function setConnection(state: string): void {
  model.connection = state;
  surface.connectionLog.push(state);
  // The transport could not get back into the session within its grace: the call is over.
  if (state === 'closed' && transport && model.agentState !== 'ended') {
    model.errors.push('The connection was lost and could not be resumed.');
    void teardown('connection lost');
    return;
  }
  render();
}

function onMessage(message: Record<string, unknown>): void {
  const localMs = performance.now();
  surface.events.push({ localMs, event: message });
  if (message.type === 'hello' || message.type === 'pong') return;
  if (message.type === 'media_error') {
    model.errors.push(`${String(message.code)}: ${String(message.message)}`);
    render();
    return;
  }
  const event = message as unknown as SessionEvent;
  if (event.type === 'agent_audio_started') {
    awaitingAudible = { turnId: event.turnId, eventAtMs: event.atMs, receivedLocalMs: localMs };
  }
  // New speech after a barge-in: the caller's turn was taken, or the agent speaks again.
  if (event.type === 'agent_audio_started' || event.type === 'turn_committed') transport?.resumePlayback?.();
  if (event.type === 'interrupted') {
    transport?.flushPlayback();
    // Cut before it was audible: nothing of it was heard.
    if (awaitingAudible?.turnId === event.turnId) awaitingAudible = undefined;
  }
  applyEvent(model, event);
  if (event.type === 'ended') void teardown(`ended: ${event.reason}`);
  render();
}

function sampleLevel(): void {
  if (!transport) return;
  const rms = transport.remoteRms();
  const t = performance.now();
  surface.remoteRms = rms;
  surface.rmsLog.push({ t, rms });
  if (surface.rmsLog.length > RMS_LOG_MAX) surface.rmsLog.splice(0, surface.rmsLog.length - RMS_LOG_MAX);
  renderLevel(rms);
  if (awaitingAudible && rms >= AUDIBLE_RMS) {
    const { turnId, eventAtMs, receivedLocalMs } = awaitingAudible;
    awaitingAudible = undefined;
    // Session time of audibility: the event's session time plus what elapsed here since it arrived.
    const atMs = Math.round(eventAtMs + (t - receivedLocalMs));
    surface.heard.push({ turnId, atMs });
    transport.send({ type: 'heard', turnId, atMs });
    applyHeardStart(model, turnId, atMs);
    render();
  }
}

async function reportLatency(): Promise<void> {
  const ms = await transport?.playoutDelayMs().catch(() => undefined);
  if (ms === undefined || !Number.isFinite(ms)) return;
  surface.playoutDelayMs = ms;
  transport?.send({ type: 'latency', ms: Math.round(ms) });
}

async function createSession(
  key: string,
): Promise<{ token: string; media: { webrtc: string; websocket: string } }> {
  const res = await fetch('/v1/sessions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(agentSelect.value ? { agent: agentSelect.value } : {}),
  });
  const body = (await res.json()) as {
    sessionId?: string;
    token?: string;
    media?: { webrtc: string; websocket: string };
    error?: { code: string; message: string };
  };
  if (res.status !== 201 || !body.token || !body.media) {
    throw new Error(
      body.error ? `${body.error.code}: ${body.error.message}` : `session request failed (${res.status})`,
    );
  }
  surface.sessionId = body.sessionId;
  return { token: body.token, media: body.media };
}

async function startCall(): Promise<void> {
  if (transport) return;
  const key = keyInput.value.trim();
  if (!key) {
    model.errors.push('Enter the API key (or open the page with #key=…).');
    render();
    return;
  }
  localStorage.setItem('parley.key', key);
  model = emptyModel();
  surface.model = model;
  setConnection('starting');
  try {
    mic = await navigator.mediaDevices.getUserMedia(MIC_CONSTRAINTS);
    const callbacks = { onMessage, onConnection: setConnection };
    const want = transportSelect.value;
    if (want !== 'websocket') {
      try {
        const session = await createSession(key);
        transport = await startRtcCall({
          mediaUrl: session.media.webrtc,
          token: session.token,
          mic,
          audioElement,
          callbacks,
        });
      } catch (err) {
        if (want === 'webrtc' || (err instanceof MediaRequestFailed && err.status === 401)) throw err;
        model.errors.push(`WebRTC failed (${(err as Error).message}); using WebSocket`);
      }
    }
    if (!transport) {
      // A token connects once: the fallback takes a fresh session.
      const session = await createSession(key);
      transport = await startWsCall({ wsUrl: session.media.websocket, token: session.token, mic, callbacks });
    }
    model.transport = transport.kind;
    meterTimer = window.setInterval(sampleLevel, 20);
    latencyTimer = window.setInterval(() => void reportLatency(), 2000);
    render();
  } catch (err) {
    model.errors.push((err as Error).message);
    await teardown('failed');
  }
}

async function teardown(state: string): Promise<void> {
  window.clearInterval(meterTimer);
  window.clearInterval(latencyTimer);
  const t = transport;
  transport = undefined;
  awaitingAudible = undefined;
  for (const track of mic?.getTracks() ?? []) track.stop();
  mic = undefined;
  await t?.close().catch(() => undefined);
  model.connection = state;
  render();
}

async function stopCall(): Promise<void> {
  await teardown('hung up');
}

callButton.addEventListener('click', () => void (transport ? stopCall() : startCall()));
render();
