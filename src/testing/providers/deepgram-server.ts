/**
 * A local Deepgram live transcription server on 127.0.0.1 (an ephemeral port) at `/v1/listen`,
 * backed by a Parley Recognizer, so streams through the deepgram adapter are recognized for real.
 *
 * Protocol as documented: https://developers.deepgram.com/reference/speech-to-text/listen-streaming
 * (handshake with `Authorization: Token <key>`, linear16 binary frames in, JSON `Results` out
 * with interim and final segments, `SpeechStarted`, `UtteranceEnd`, `Metadata`);
 * Finalize https://developers.deepgram.com/docs/finalize; KeepAlive (idle close after ~10 s,
 * 1011 NET-0001) https://developers.deepgram.com/docs/audio-keep-alive; CloseStream
 * https://developers.deepgram.com/docs/close-stream; failed handshakes carry `dg-error` and
 * `dg-request-id` headers https://developers.deepgram.com/docs/stt-troubleshooting-websocket-data-and-net-errors.
 *
 * Segments: audio goes to one Parley recognition until the server's endpointing (an energy
 * test: `endpointing` ms of silence after speech) or a Finalize ends it; each segment's partials
 * go out as interim Results, its final as an is_final Result. Failure modes: any key but the
 * configured one (401), 429 on every handshake, the socket dropped after N ms of audio, Finalize
 * never answered. Every stream's query, control messages and audio length are recorded.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import WebSocket, { type RawData, type WebSocketServer } from 'ws';
import { SESSION_SAMPLE_RATE } from '../../audio/frame.js';
import { dbfs } from '../../audio/level.js';
import {
  type MetadataMessage,
  type ResultsMessage,
  type ServerMessage,
  samplesFromLinear16,
} from '../../engines/deepgram/wire.js';
import type { Recognition, Recognizer } from '../../engines/types.js';
import { refuseUpgrade, startUpgradeServer } from './local-server.js';

export interface DeepgramServerOptions {
  /**
   * Recognizes each segment (16 kHz): one Recognizer for every stream, or a factory called per
   * stream (so no stream adapts to another's caller, as with Deepgram). The tests use
   * pocketsphinx with the agent's domain phrases.
   */
  recognizer: Recognizer | (() => Promise<Recognizer>);
  /** The key a client must send as `Authorization: Token <key>`. Default 'test-key'. */
  apiKey?: string;
  /** Answer every handshake with 429 (too many concurrent streams). Default false. */
  rateLimited?: boolean;
  /** Drop the socket (no close frame) once a stream has sent this much audio, ms. Default never. */
  dropAfterAudioMs?: number;
  /** Never answer Finalize (a stalled server). Default false. */
  stallFinalize?: boolean;
  /** Close a stream with 1011 NET-0001 after this long without audio or a text message. Default 10000 ms. */
  idleTimeoutMs?: number;
  /** A 20 ms window louder than this counts as speech for endpointing and VAD events. Default −45 dBFS. */
  speechDbfs?: number;
}

export interface RecordedStream {
  /** The handshake's query; repeated parameters (keyterm) keep every value. */
  query: Record<string, string[]>;
  /** Types of the text messages received, in order (Finalize, KeepAlive, CloseStream). */
  controls: string[];
  /** Audio received, ms. */
  audioMs: number;
  /** Types of the messages sent, in order. */
  sent: string[];
  /** How the stream ended, once it has. */
  closed?: { code: number; reason: string };
}

export interface DeepgramServer {
  /** `ws://127.0.0.1:<port>/v1/listen` */
  url: string;
  /** Accepted streams, in order. */
  streams: RecordedStream[];
  /** Statuses of refused handshakes, in order. */
  refused: number[];
  close(): Promise<void>;
}

const WINDOW = SESSION_SAMPLE_RATE / 50; // 20 ms

/** A refused handshake as Deepgram answers it: the error in `dg-error` and in the body. */
function refuse(socket: Socket, status: number, errCode: string, message: string): void {
  const requestId = randomUUID();
  refuseUpgrade(
    socket,
    status,
    { err_code: errCode, err_msg: message, request_id: requestId },
    { 'dg-error': message, 'dg-request-id': requestId },
  );
}

export async function startDeepgramServer(opts: DeepgramServerOptions): Promise<DeepgramServer> {
  const apiKey = opts.apiKey ?? 'test-key';
  const streams: RecordedStream[] = [];
  const refused: number[] = [];
  const onUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer, wss: WebSocketServer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const fail = (status: number, code: string, message: string) => {
      refused.push(status);
      refuse(socket, status, code, message);
    };
    if (url.pathname !== '/v1/listen') return fail(404, 'NOT_FOUND', 'Not found.');
    const auth = /^token\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (auth?.[1]?.trim() !== apiKey) {
      return fail(401, 'INVALID_AUTH', 'Invalid credentials.');
    }
    if (opts.rateLimited) return fail(429, 'TOO_MANY_REQUESTS', 'Too many requests. Please try again later.');
    const q = url.searchParams;
    if (
      q.get('encoding') !== 'linear16' ||
      q.get('sample_rate') !== String(SESSION_SAMPLE_RATE) ||
      (q.get('channels') ?? '1') !== '1'
    ) {
      return fail(400, 'Bad Request', 'This server takes encoding=linear16, sample_rate=16000, channels=1.');
    }
    const recognizer =
      typeof opts.recognizer === 'function' ? opts.recognizer() : Promise.resolve(opts.recognizer);
    recognizer.then(
      (r) =>
        wss.handleUpgrade(req, socket, head, (ws) => {
          const record: RecordedStream = { query: {}, controls: [], audioMs: 0, sent: [] };
          for (const [k, v] of q) record.query[k] = [...(record.query[k] ?? []), v];
          streams.push(record);
          // The stream wires itself to the socket.
          new ListenStream(ws, q, record, r, opts);
        }),
      () => fail(500, 'INTERNAL_SERVER_ERROR', 'The recognizer could not be loaded.'),
    );
  };
  const server = await startUpgradeServer(onUpgrade, {
    onRequest: (_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' }).end('use a WebSocket at /v1/listen');
    },
    perMessageDeflate: false,
  });
  return {
    url: `ws://127.0.0.1:${server.port}/v1/listen`,
    streams,
    refused,
    close: () => server.close(),
  };
}

/** One segment of a stream: audio since the last final, on its own Parley recognition. */
interface Segment {
  recognition: Recognition;
  startSample: number;
  hadSpeech: boolean;
  /** No more interim results (its final is being made). */
  ended: boolean;
}

/** One accepted stream. */
class ListenStream {
  private samples = 0;
  private segment: Segment | undefined;
  private out: Promise<void> = Promise.resolve();
  private idle: NodeJS.Timeout | undefined;
  private silenceMs = 0;
  private inSpeech = false;
  private lastSpeechEndSample: number | undefined;
  private readonly audioHash = createHash('sha256');
  private readonly requestId = randomUUID();
  private readonly endpointingMs: number | false;
  private readonly utteranceEndMs: number | undefined;
  private readonly vadEvents: boolean;
  private readonly model: string;
  private closing = false;

  constructor(
    private readonly ws: WebSocket,
    query: URLSearchParams,
    private readonly record: RecordedStream,
    private readonly recognizer: Recognizer,
    private readonly opts: DeepgramServerOptions,
  ) {
    const endpointing = query.get('endpointing');
    // Deepgram's default endpointing is 10 ms; 'false' turns it off.
    this.endpointingMs = endpointing === 'false' ? false : Number(endpointing ?? 10) || 10;
    const ue = Number(query.get('utterance_end_ms'));
    this.utteranceEndMs = query.get('interim_results') === 'true' && ue > 0 ? ue : undefined;
    this.vadEvents = query.get('vad_events') === 'true';
    this.model = query.get('model') ?? 'base';
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', (code, reason) => {
      this.record.closed ??= { code, reason: reason.toString('utf8') };
      clearTimeout(this.idle);
      this.segment?.recognition.close();
    });
    ws.on('error', () => {});
    this.touch();
  }

  /** Restarts the idle clock: audio and text messages both count (KeepAlive exists for this). */
  private touch(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.closeWith(1011, 'NET-0001'), this.opts.idleTimeoutMs ?? 10_000);
  }

  private closeWith(code: number, reason: string): void {
    this.record.closed ??= { code, reason };
    this.ws.close(code, reason);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.closing) return;
    this.touch();
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (!isBinary) this.onControl(bytes.toString('utf8'));
    // An empty binary frame is the legacy way to close the stream.
    else if (bytes.length === 0) this.onControl('{"type":"CloseStream"}');
    else this.onAudio(samplesFromLinear16(bytes));
  }

  private onControl(text: string): void {
    let type: unknown;
    try {
      type = (JSON.parse(text) as { type?: unknown }).type;
    } catch {
      return; // not JSON: ignored
    }
    this.record.controls.push(String(type));
    if (type === 'Finalize') {
      if (!this.opts.stallFinalize) this.endSegment('finalize');
    } else if (type === 'CloseStream') {
      this.closing = true;
      this.endSegment('close');
      this.send(() => this.metadata());
      this.out = this.out.then(() => this.closeWith(1000, ''));
    }
    // KeepAlive: only restarts the idle clock (done above); the server answers nothing.
  }

  private onAudio(chunk: Int16Array): void {
    this.audioHash.update(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if (!this.segment) this.segment = this.newSegment();
    const segment = this.segment;
    segment.recognition.push({
      samples: chunk,
      sampleRate: SESSION_SAMPLE_RATE,
      startMs: (this.samples * 1000) / SESSION_SAMPLE_RATE,
    });
    for (let at = 0; at < chunk.length; at += WINDOW) {
      const window = chunk.subarray(at, Math.min(chunk.length, at + WINDOW));
      this.judge(window, this.samples + at, segment);
    }
    this.samples += chunk.length;
    this.record.audioMs = (this.samples * 1000) / SESSION_SAMPLE_RATE;
    if (this.endpointingMs !== false && segment.hadSpeech && this.silenceMs >= this.endpointingMs) {
      this.endSegment('endpoint');
    }
    if (
      this.utteranceEndMs !== undefined &&
      this.lastSpeechEndSample !== undefined &&
      !this.inSpeech &&
      this.samples - this.lastSpeechEndSample >= (this.utteranceEndMs * SESSION_SAMPLE_RATE) / 1000
    ) {
      const lastWordEnd = this.lastSpeechEndSample / SESSION_SAMPLE_RATE;
      this.lastSpeechEndSample = undefined;
      this.send(() => ({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: lastWordEnd }));
    }
    if (this.opts.dropAfterAudioMs !== undefined && this.record.audioMs >= this.opts.dropAfterAudioMs) {
      this.record.closed ??= { code: 1006, reason: 'dropped' };
      this.closing = true;
      this.ws.terminate();
    }
  }

  /** Energy test of one window: speech onsets (SpeechStarted) and the silence that ends them. */
  private judge(window: Int16Array, startSample: number, segment: Segment): void {
    if (dbfs(window) > (this.opts.speechDbfs ?? -45)) {
      if (!this.inSpeech && this.vadEvents) {
        const timestamp = startSample / SESSION_SAMPLE_RATE;
        this.send(() => ({ type: 'SpeechStarted', channel: [0, 1], timestamp }));
      }
      this.inSpeech = true;
      segment.hadSpeech = true;
      this.silenceMs = 0;
      this.lastSpeechEndSample = startSample + window.length;
    } else {
      this.silenceMs += (window.length * 1000) / SESSION_SAMPLE_RATE;
      // A short dip is not the end of speech.
      if (this.silenceMs >= 200) this.inSpeech = false;
    }
  }

  private newSegment(): Segment {
    const segment: Segment = {
      recognition: this.recognizer.open(),
      startSample: this.samples,
      hadSpeech: false,
      ended: false,
    };
    void this.streamPartials(segment);
    return segment;
  }

  private async streamPartials(segment: Segment): Promise<void> {
    try {
      for await (const p of segment.recognition.partials()) {
        if (segment.ended) return;
        const endSample = this.samples;
        this.send(() => this.results(segment, endSample, p.text, { final: false }));
      }
    } catch {
      // The final reports the failure.
    }
  }

  /** Ends the current segment: its final Result follows once the recognizer has it. */
  private endSegment(why: 'endpoint' | 'finalize' | 'close'): void {
    const segment = this.segment;
    // Nothing buffered: Deepgram does not promise an answer to Finalize then, and this server sends none.
    if (!segment) return;
    this.segment = undefined;
    segment.ended = true;
    const endSample = this.samples;
    const final = segment.recognition.finish();
    final.catch(() => {});
    this.out = this.out.then(async () => {
      let text: string;
      try {
        text = (await final).text;
      } catch {
        this.closeWith(1011, 'NET-0000');
        return;
      }
      this.transmit(
        this.results(segment, endSample, text, {
          final: true,
          speechFinal: why === 'endpoint',
          fromFinalize: why === 'finalize',
        }),
      );
    });
  }

  private results(
    segment: Segment,
    endSample: number,
    text: string,
    flags: { final: boolean; speechFinal?: boolean; fromFinalize?: boolean },
  ): ResultsMessage {
    const start = segment.startSample / SESSION_SAMPLE_RATE;
    const duration = (endSample - segment.startSample) / SESSION_SAMPLE_RATE;
    const words = text.split(/\s+/).filter((w) => w !== '');
    const step = words.length > 0 ? duration / words.length : 0;
    // The embedded recognizer gives no confidence or word times: words share the segment evenly.
    const confidence = words.length > 0 ? 1 : 0;
    return {
      type: 'Results',
      channel_index: [0, 1],
      start,
      duration,
      is_final: flags.final,
      speech_final: flags.speechFinal ?? false,
      ...(flags.fromFinalize ? { from_finalize: true } : {}),
      channel: {
        alternatives: [
          {
            transcript: text,
            confidence,
            words: words.map((word, i) => ({
              word,
              start: start + i * step,
              end: start + (i + 1) * step,
              confidence,
              punctuated_word: word,
            })),
          },
        ],
      },
      metadata: {
        request_id: this.requestId,
        model_info: { name: this.model, version: 'parley', arch: 'parley-recognizer' },
        model_uuid: this.requestId,
      },
    };
  }

  private metadata(): MetadataMessage {
    return {
      type: 'Metadata',
      transaction_key: 'deprecated',
      request_id: this.requestId,
      sha256: this.audioHash.copy().digest('hex'),
      created: new Date().toISOString(),
      duration: this.samples / SESSION_SAMPLE_RATE,
      channels: 1,
    };
  }

  /** Queues a message behind every earlier one (a final still being made holds later interims). */
  private send(make: () => ServerMessage): void {
    this.out = this.out.then(() => this.transmit(make()));
  }

  private transmit(message: ServerMessage): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.record.sent.push(message.type);
    this.ws.send(JSON.stringify(message));
  }
}
