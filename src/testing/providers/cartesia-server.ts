/**
 * A local Cartesia TTS WebSocket server on 127.0.0.1 (an ephemeral port) at `/tts/websocket`,
 * backed by a Parley Synthesizer, so clauses through the cartesia adapter are spoken for real.
 *
 * Protocol as documented: https://docs.cartesia.ai/api-reference/tts/websocket (key in the
 * `X-API-Key` header, or `api_key` / `access_token` in the query; version in `Cartesia-Version`
 * or `cartesia_version`; generation requests keyed by `context_id`, `continue` for more input on
 * a context, `{context_id, cancel: true}` to cancel; responses `chunk`, `timestamps`
 * (word_timestamps in seconds from the start of the context's audio), `done`, `error`). Error
 * events follow https://docs.cartesia.ai/use-the-api/api-errors.
 *
 * Timings are true by construction: words are synthesized one at a time (`WordTimeline`) and
 * each word's voiced start and end are measured in the samples sent. By default a word's
 * timestamps follow its audio (as timestamps may lag audio on the service), which the adapter
 * must handle. Failure modes: a wrong key (HTTP 401 on the handshake), the 429
 * concurrency_limited error event for a request, the socket dropped or gone silent after N
 * audio chunks. Everything received is recorded.
 */
import { randomUUID } from 'node:crypto';
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

export type CartesiaFailure =
  /** The next generation request is answered with the 429 concurrency_limited error event. */
  { kind: 'rate-limit' } | AudioCut;

export interface CartesiaServerOptions extends TtsServerOptions<CartesiaFailure> {
  /** Audio per chunk message. Default 100 ms. */
  chunkMs?: number;
  /** Send each word's timestamps before its audio instead of after it. Default false. */
  timestampsFirst?: boolean;
}

export interface CartesiaConnectionRecord extends RecordedTtsConnection {
  /** The Cartesia-Version the client asked for. */
  version: string;
}

export interface CartesiaServer extends TtsServer<CartesiaConnectionRecord, CartesiaFailure> {
  /** `ws://127.0.0.1:<port>/tts/websocket` */
  url: string;
}

/** One context: its transcript pieces spoken in order on one timeline. */
interface Context {
  timeline: WordTimeline;
  stop: AbortController;
  queue: Promise<void>;
  done: boolean;
}

class Connection implements TtsConnection {
  private readonly contexts = new Map<string, Context>();
  private halted = false;
  closingByServer = false;

  constructor(
    private readonly ws: WebSocket,
    readonly record: CartesiaConnectionRecord,
    private readonly opts: Required<Omit<CartesiaServerOptions, 'failure' | 'apiKey'>>,
    private readonly failure: () => CartesiaFailure | undefined,
  ) {}

  private send(message: Record<string, unknown>): void {
    if (!this.halted && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  private error(contextId: string | undefined, status: number, code: string, title: string, message: string) {
    this.send({
      type: 'error',
      done: true,
      status_code: status,
      error_code: code,
      title,
      message,
      request_id: randomUUID(),
      ...(contextId ? { context_id: contextId } : {}),
    });
  }

  halt(): void {
    this.halted = true;
    for (const context of this.contexts.values()) context.stop.abort();
  }

  receive(m: Record<string, unknown>): void {
    const contextId = typeof m.context_id === 'string' ? m.context_id : undefined;
    if (m.cancel === true) {
      const context = contextId ? this.contexts.get(contextId) : undefined;
      context?.stop.abort();
      if (context) context.done = true;
      return;
    }
    const format = m.output_format as Record<string, unknown> | undefined;
    const voice = m.voice as Record<string, unknown> | undefined;
    if (
      typeof m.transcript !== 'string' ||
      typeof m.model_id !== 'string' ||
      voice?.mode !== 'id' ||
      typeof voice.id !== 'string'
    ) {
      this.error(
        contextId,
        400,
        'invalid_request',
        'Invalid request',
        'transcript, model_id and voice {mode, id} are required.',
      );
      return;
    }
    if (
      format?.container !== 'raw' ||
      format.encoding !== 'pcm_s16le' ||
      format.sample_rate !== SESSION_SAMPLE_RATE
    ) {
      this.error(
        contextId,
        400,
        'invalid_output_format',
        'Invalid output format',
        `This test server speaks raw pcm_s16le at ${SESSION_SAMPLE_RATE} Hz.`,
      );
      return;
    }
    if (this.failure()?.kind === 'rate-limit') {
      this.error(
        contextId,
        429,
        'concurrency_limited',
        'Too many concurrent requests',
        "You have exceeded your plan's concurrency limit.",
      );
      return;
    }
    const id = contextId ?? randomUUID();
    let context = this.contexts.get(id);
    if (!context || context.done) {
      context = {
        timeline: new WordTimeline(this.opts.synthesizer, this.opts.gapMs),
        stop: new AbortController(),
        queue: Promise.resolve(),
        done: false,
      };
      this.contexts.set(id, context);
    }
    const ctx = context;
    const last = m.continue !== true;
    const transcript = m.transcript;
    ctx.queue = ctx.queue.then(() => this.generate(id, ctx, transcript, last)).catch(() => ctx.stop.abort());
  }

  private async generate(contextId: string, ctx: Context, transcript: string, last: boolean): Promise<void> {
    const chunkSamples = Math.round((this.opts.chunkMs * SESSION_SAMPLE_RATE) / 1000);
    for (const word of transcript.split(/\s+/).filter(Boolean)) {
      if (ctx.stop.signal.aborted || this.halted) return;
      const started = Date.now();
      const spoken = await ctx.timeline.next(word, ctx.stop.signal);
      if (ctx.stop.signal.aborted || this.halted) return;
      const timestamps = {
        type: 'timestamps',
        done: false,
        status_code: 206,
        context_id: contextId,
        word_timestamps: { words: [word], start: [spoken.startMs / 1000], end: [spoken.endMs / 1000] },
      };
      if (this.opts.timestampsFirst) this.send(timestamps);
      for (let at = 0; at < spoken.samples.length; at += chunkSamples) {
        if (!this.mayChunk()) return;
        this.send({
          type: 'chunk',
          data: pcmBytes(spoken.samples.subarray(at, at + chunkSamples)).toString('base64'),
          done: false,
          status_code: 206,
          step_time: Date.now() - started,
          context_id: contextId,
        });
        this.record.chunksSent++;
      }
      if (!this.opts.timestampsFirst) this.send(timestamps);
    }
    if (last && !ctx.stop.signal.aborted) {
      ctx.done = true;
      this.send({ type: 'done', done: true, status_code: 206, context_id: contextId });
    }
  }

  /** Applies drop / stall before a chunk goes out; false when nothing more may be sent. */
  private mayChunk(): boolean {
    return !this.halted && !cutAudio(this.ws, this, this.record, this.failure());
  }
}

export async function startCartesiaServer(opts: CartesiaServerOptions): Promise<CartesiaServer> {
  const apiKey = opts.apiKey ?? 'test-key';
  let failure = opts.failure;
  const connections: CartesiaConnectionRecord[] = [];
  const refused: number[] = [];
  const live = new Set<Connection>();
  const onUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer, wss: WebSocketServer) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const deny = (status: number, code: string, title: string, message: string) => {
      refused.push(status);
      refuseUpgrade(socket, status, { error_code: code, title, message, request_id: randomUUID() });
    };
    if (url.pathname !== '/tts/websocket') return deny(404, 'not_found', 'Not found', 'No such endpoint.');
    const header = req.headers['x-api-key'];
    const key =
      (typeof header === 'string' ? header : undefined) ??
      url.searchParams.get('api_key') ??
      url.searchParams.get('access_token');
    const versionHeader = req.headers['cartesia-version'];
    const version =
      (typeof versionHeader === 'string' ? versionHeader : undefined) ??
      url.searchParams.get('cartesia_version');
    if (key !== apiKey) return deny(401, 'unauthorized', 'Unauthorized', 'Invalid API key.');
    if (!version) {
      return deny(400, 'missing_version', 'Missing version', 'The Cartesia-Version header is required.');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const record: CartesiaConnectionRecord = { version, messages: [], chunksSent: 0 };
      connections.push(record);
      const connection = new Connection(
        ws,
        record,
        {
          synthesizer: opts.synthesizer,
          chunkMs: opts.chunkMs ?? 100,
          gapMs: opts.gapMs ?? 60,
          timestampsFirst: opts.timestampsFirst ?? false,
        },
        () => failure,
      );
      serveConnection(ws, record, connection, live);
    });
  };

  const server = await startUpgradeServer(onUpgrade);
  return {
    url: `ws://127.0.0.1:${server.port}/tts/websocket`,
    connections,
    refused,
    setFailure(next) {
      failure = next;
    },
    async close() {
      for (const connection of live) connection.halt();
      await server.close();
    },
  };
}
