/**
 * One ElevenLabs stream-input connection, opened and initialized ahead of its clause:
 * `wss://…/v1/text-to-speech/{voice_id}/stream-input?model_id=…&output_format=pcm_16000&sync_alignment=true`
 * with the key in the `xi-api-key` header; the first message is the initialization (text " ",
 * voice_settings, generation_config). https://elevenlabs.io/docs/api-reference/text-to-speech/v-1-text-to-speech-voice-id-stream-input
 */
import type WebSocket from 'ws';
import { Inbox, type InboxWait } from '../websocket/inbox.js';
import { openWebSocket } from '../websocket/ws-open.js';

export const ELEVENLABS_SAMPLE_RATE = 16_000;

export interface StreamInputConfig {
  /** wss://api.elevenlabs.io or a compatible server. */
  baseUrl: string;
  apiKey?: string;
  voice: string;
  model: string;
  /** ISO 639-1, for the models that take one. */
  language?: string;
  /** Speaking-rate factor; ElevenLabs accepts 0.7–1.2. */
  speed: number;
  connectTimeoutMs: number;
  /** Seconds the server keeps an idle connection (its `inactivity_timeout`, at most 180). */
  inactivityTimeoutS: number;
}

export type ConnectionEvent =
  | { kind: 'message'; text: string }
  | { kind: 'closed'; code: number; reason: string };

export function streamInputUrl(cfg: StreamInputConfig): string {
  const base = cfg.baseUrl.replace(/^http(s?):/, 'ws$1:').replace(/\/+$/, '');
  const query = new URLSearchParams({
    model_id: cfg.model,
    output_format: `pcm_${ELEVENLABS_SAMPLE_RATE}`,
    // Alignment with every audio chunk: a word's timing arrives with the audio it starts in.
    sync_alignment: 'true',
    // Parley always sends a whole clause at once: the documented case for auto_mode, which
    // skips the chunk schedule's buffering.
    auto_mode: 'true',
    inactivity_timeout: String(cfg.inactivityTimeoutS),
    ...(cfg.language ? { language_code: cfg.language } : {}),
  });
  return `${base}/v1/text-to-speech/${encodeURIComponent(cfg.voice)}/stream-input?${query}`;
}

export class StreamInputConnection {
  private readonly inbox = new Inbox<ConnectionEvent>();
  private closeInfo: { code: number; reason: string } | undefined;
  /** When it was opened (Date.now()), to retire spares the server may be about to close. */
  readonly openedAt = Date.now();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.inbox.push({ kind: 'message', text: data.toString() });
    });
    ws.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      this.inbox.push({ kind: 'closed', ...this.closeInfo });
    });
    // A socket error is followed by 'close', which is what the reader sees.
    ws.on('error', () => {});
  }

  /** Opens the socket and sends the initialization message. */
  static async open(cfg: StreamInputConfig, signal?: AbortSignal): Promise<StreamInputConnection> {
    const ws = await openWebSocket({
      engine: 'elevenlabs',
      url: streamInputUrl(cfg),
      headers: cfg.apiKey ? { 'xi-api-key': cfg.apiKey } : {},
      ...(cfg.apiKey ? { secret: cfg.apiKey } : {}),
      keyVariable: 'ELEVENLABS_API_KEY',
      urlVariable: 'PARLEY_ELEVENLABS_URL',
      timeoutMs: cfg.connectTimeoutMs,
      ...(signal ? { signal } : {}),
    });
    const connection = new StreamInputConnection(ws);
    connection.send({
      text: ' ',
      voice_settings: { stability: 0.5, similarity_boost: 0.8, speed: cfg.speed },
      // The documented default schedule; auto_mode and flush make it moot for whole clauses.
      generation_config: { chunk_length_schedule: [120, 160, 250, 290] },
    });
    return connection;
  }

  /** Closed by either side (the server closes after the end of input, or when idle too long). */
  get closed(): boolean {
    return this.closeInfo !== undefined || this.ws.readyState !== this.ws.OPEN;
  }

  send(message: Record<string, unknown>): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(message));
  }

  next(timeoutMs: number, signal: AbortSignal): Promise<InboxWait<ConnectionEvent>> {
    return this.inbox.next(timeoutMs, signal);
  }

  close(): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) {
      this.ws.close(1000);
    }
  }
}
