/**
 * A local ElevenLabs stream-input server on 127.0.0.1 (an ephemeral port), backed by a Parley
 * Synthesizer, so clauses through the elevenlabs adapter are spoken for real.
 *
 * Protocol as documented: https://elevenlabs.io/docs/api-reference/text-to-speech/v-1-text-to-speech-voice-id-stream-input
 * (`/v1/text-to-speech/{voice_id}/stream-input?model_id&output_format&sync_alignment&auto_mode&inactivity_timeout`,
 * key in the `xi-api-key` header or the first message; first message `{"text":" ", voice_settings,
 * generation_config}`; then text ending in a space, with `flush` / `try_trigger_generation`;
 * `{"text":""}` ends the input; responses `{audio, isFinal, alignment, normalizedAlignment}`
 * whose char times are relative to each message's chunk; then `{"isFinal": true}` and a close).
 * Errors are `{message, error, code: 1008}` followed by close 1008, as the service sends them.
 *
 * Timings are true by construction: each word is synthesized on its own (`WordTimeline`), its
 * voiced start and end measured in the samples that are sent, and its characters spread over
 * that span; the space before a word covers the pause before it. Failure modes: a wrong key
 * (HTTP 401 on the handshake), HTTP 429 on the handshake, the quota error after the first text,
 * the socket dropped or gone silent after N audio messages. Everything received is recorded.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import WebSocket, { type WebSocketServer } from 'ws';
import { SESSION_SAMPLE_RATE } from '../../audio/frame.js';
import { pcmBytes, refuseUpgrade, startUpgradeServer } from './local-server.js';
import {
  type AudioCut,
  cutAudio,
  type RecordedTtsConnection,
  serveConnection,
  type TtsConnection,
  type TtsServer,
  type TtsServerOptions,
} from './tts-connection.js';
import { WordTimeline } from './word-timeline.js';

export type ElevenLabsFailure =
  /** HTTP 429 on the handshake (too many concurrent requests). */
  | { kind: 'rate-limit' }
  /** The quota error and close 1008 after the first text. */
  | { kind: 'quota' }
  | AudioCut;

export interface ElevenLabsServerOptions extends TtsServerOptions<ElevenLabsFailure> {
  /** Audio per message. Default 200 ms. */
  chunkMs?: number;
}

export interface ElevenLabsConnectionRecord extends RecordedTtsConnection {
  voiceId: string;
  query: Record<string, string>;
  /** Date.now() when the handshake completed. */
  openedAt: number;
}

export interface ElevenLabsServer extends TtsServer<ElevenLabsConnectionRecord, ElevenLabsFailure> {
  /** `ws://127.0.0.1:<port>` (the base URL: the adapter adds the path). */
  url: string;
}

interface TimedChar {
  char: string;
  startMs: number;
  durationMs: number;
}

/** One connection's stream: text in, audio with alignment out, one generation at a time. */
class StreamInput implements TtsConnection {
  private buffered = '';
  private queue: Promise<void> = Promise.resolve();
  private readonly stop = new AbortController();
  private readonly timeline: WordTimeline;
  private pending: Int16Array[] = [];
  private pendingLength = 0;
  private sentSamples = 0;
  private chars: TimedChar[] = [];
  private spokenWords = 0;
  private lastEndMs = 0;
  private halted = false;
  private inactivity: NodeJS.Timeout | undefined;
  private initialized = false;
  closingByServer = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly record: ElevenLabsConnectionRecord,
    private readonly opts: Required<Omit<ElevenLabsServerOptions, 'failure'>> & { keyInHeader: boolean },
    private readonly failure: () => ElevenLabsFailure | undefined,
  ) {
    this.timeline = new WordTimeline(opts.synthesizer, opts.gapMs);
    this.armInactivity();
  }

  private get inactivityS(): number {
    return Number(this.record.query.inactivity_timeout ?? 20);
  }

  private armInactivity(): void {
    clearTimeout(this.inactivity);
    this.inactivity = setTimeout(() => {
      const s = this.inactivityS;
      this.fail(
        'input_timeout_exceeded',
        `Have not received a new text input within the timeout of ${s} seconds. Streaming input terminated. Please make sure to either feed the input in the timely manner, or to send the end of input text (empty string "") when done.`,
      );
    }, this.inactivityS * 1000);
    this.inactivity.unref();
  }

  /** The documented error shape, then close 1008. */
  fail(error: string, message: string): void {
    this.halt();
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(JSON.stringify({ message, error, code: 1008 }));
    this.closingByServer = true;
    this.ws.close(1008, error);
  }

  halt(): void {
    this.halted = true;
    clearTimeout(this.inactivity);
    this.stop.abort();
  }

  receive(message: Record<string, unknown>): void {
    if (this.halted) return;
    this.armInactivity();
    if (!this.initialized) {
      this.initialized = true;
      const key = message['xi-api-key'] ?? message.xi_api_key;
      if (!this.opts.keyInHeader && this.opts.apiKey && key !== this.opts.apiKey) {
        this.fail('invalid_api_key', 'Invalid API key');
      }
      return;
    }
    if (typeof message.text !== 'string') {
      this.fail(
        'invalid_input_message',
        'Could not parse input message, make sure it is a json and follows the schema outlined in protocol.',
      );
      return;
    }
    if (this.failure()?.kind === 'quota') {
      this.fail(
        'quota_exceeded',
        'This request exceeds your quota of 10000. You have 0 credits remaining, while 42 credits are required for this request.',
      );
      return;
    }
    const end = message.text === '';
    this.buffered += message.text;
    const now = end || message.flush === true || message.try_trigger_generation === true;
    if (!now && this.record.query.auto_mode !== 'true' && this.buffered.length < 120) return;
    // Without flush or the end, only whole words (text up to the last space) are spoken.
    const cut = end || message.flush === true ? this.buffered.length : this.buffered.lastIndexOf(' ') + 1;
    const text = this.buffered.slice(0, cut);
    this.buffered = this.buffered.slice(cut);
    const flush = end || message.flush === true;
    if (end) clearTimeout(this.inactivity);
    this.queue = this.queue.then(() => this.generate(text, flush, end)).catch(() => this.halt());
  }

  private async generate(text: string, flush: boolean, end: boolean): Promise<void> {
    for (const word of text.split(/\s+/).filter(Boolean)) {
      if (this.halted) return;
      const spoken = await this.timeline.next(word, this.stop.signal);
      if (this.halted) return;
      if (this.spokenWords > 0) {
        this.chars.push({ char: ' ', startMs: this.lastEndMs, durationMs: spoken.startMs - this.lastEndMs });
      }
      const per = (spoken.endMs - spoken.startMs) / word.length;
      [...word].forEach((char, i) => {
        this.chars.push({ char, startMs: spoken.startMs + i * per, durationMs: per });
      });
      this.spokenWords++;
      this.lastEndMs = spoken.endMs;
      this.pending.push(spoken.samples);
      this.pendingLength += spoken.samples.length;
      const chunk = Math.round((this.opts.chunkMs * SESSION_SAMPLE_RATE) / 1000);
      while (this.pendingLength >= chunk && !this.halted) this.sendChunk(chunk, false);
    }
    if (this.halted) return;
    if (flush && this.pendingLength > 0) this.sendChunk(this.pendingLength, true);
    if (end && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(
        JSON.stringify({ audio: null, isFinal: true, normalizedAlignment: null, alignment: null }),
      );
      this.closingByServer = true;
      this.ws.close(1000);
    }
  }

  private sendChunk(count: number, last: boolean): void {
    if (cutAudio(this.ws, this, this.record, this.failure())) return;
    const samples = new Int16Array(count);
    let filled = 0;
    while (filled < count) {
      const head = this.pending[0] as Int16Array;
      const n = Math.min(head.length, count - filled);
      samples.set(head.subarray(0, n), filled);
      filled += n;
      if (n === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(n);
    }
    this.pendingLength -= count;
    const startMs = (this.sentSamples * 1000) / SESSION_SAMPLE_RATE;
    this.sentSamples += count;
    const endMs = (this.sentSamples * 1000) / SESSION_SAMPLE_RATE;
    const inChunk = last ? this.chars : this.chars.filter((c) => c.startMs < endMs);
    this.chars = last ? [] : this.chars.slice(inChunk.length);
    // Relative to this chunk, rounded down so no character ends after its real end.
    const alignment = {
      chars: inChunk.map((c) => c.char),
      charStartTimesMs: inChunk.map((c) => Math.max(0, Math.floor(c.startMs - startMs))),
      charDurationsMs: inChunk.map((c) => Math.max(0, Math.floor(c.durationMs))),
    };
    this.ws.send(
      JSON.stringify({
        audio: pcmBytes(samples).toString('base64'),
        isFinal: false,
        normalizedAlignment: alignment,
        alignment,
      }),
    );
    this.record.chunksSent++;
  }
}

export async function startElevenLabsServer(opts: ElevenLabsServerOptions): Promise<ElevenLabsServer> {
  const apiKey = opts.apiKey ?? 'test-key';
  let failure = opts.failure;
  const connections: ElevenLabsConnectionRecord[] = [];
  const refused: number[] = [];
  const streams = new Set<StreamInput>();

  const onUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer, wss: WebSocketServer) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = /^\/v1\/text-to-speech\/([^/]+)\/stream-input$/.exec(url.pathname);
    const key = req.headers['xi-api-key'];
    const deny = (status: number, body: unknown) => {
      refused.push(status);
      refuseUpgrade(socket, status, body);
    };
    if (!path) return deny(404, { detail: 'Not Found' });
    if (key !== undefined && key !== apiKey) {
      return deny(401, { detail: { status: 'invalid_api_key', message: 'Invalid API key' } });
    }
    if (failure?.kind === 'rate-limit') {
      return deny(429, {
        detail: {
          status: 'too_many_concurrent_requests',
          message: 'Too many concurrent requests for your subscription.',
        },
      });
    }
    const query = Object.fromEntries(url.searchParams);
    if ((query.output_format ?? 'mp3_44100') !== `pcm_${SESSION_SAMPLE_RATE}`) {
      return deny(400, { detail: `this test server speaks only pcm_${SESSION_SAMPLE_RATE}` });
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const record: ElevenLabsConnectionRecord = {
        voiceId: decodeURIComponent(path[1] as string),
        query,
        openedAt: Date.now(),
        messages: [],
        chunksSent: 0,
      };
      connections.push(record);
      const stream = new StreamInput(
        ws,
        record,
        {
          synthesizer: opts.synthesizer,
          apiKey,
          chunkMs: opts.chunkMs ?? 200,
          gapMs: opts.gapMs ?? 60,
          keyInHeader: key !== undefined,
        },
        () => failure,
      );
      serveConnection(ws, record, stream, streams, () =>
        stream.fail('invalid_input_message', 'Could not parse input message, make sure it is a json.'),
      );
    });
  };

  const server = await startUpgradeServer(onUpgrade);
  return {
    url: `ws://127.0.0.1:${server.port}`,
    connections,
    refused,
    setFailure(next) {
      failure = next;
    },
    async close() {
      for (const stream of streams) stream.halt();
      await server.close();
    },
  };
}
