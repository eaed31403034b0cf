/**
 * Cartesia speech over one WebSocket per session, each clause a generation request with its
 * own `context_id` and word timestamps. https://docs.cartesia.ai/api-reference/tts/websocket
 *
 * The socket is opened when the session's synthesizer is made (a refused key fails there). A
 * socket lost in the middle of a clause fails that clause; the next clause reconnects once and
 * fails if that does not work (the runtime's fallback chain takes over; no retries here).
 * Aborting a clause sends the documented cancel for its context.
 */
import { randomUUID } from 'node:crypto';
import { HeldAudio } from '../websocket/held-audio.js';
import { scrub } from '../websocket/ws-open.js';
import { EngineError, type SpeechFrame, type Synthesizer } from '../types.js';
import { CartesiaSocket, type CartesiaSocketConfig } from './socket.js';
import { CARTESIA_SAMPLE_RATE, type GenerationRequest } from './wire.js';

export interface CartesiaSynthesizerOptions extends CartesiaSocketConfig {
  voice: string;
  model: string;
  /** Default 'en'. */
  language?: string;
  /** Speaking-rate factor sent as generation_config.speed when it is not 1. */
  speed?: number;
  /** Longest wait for the next message of a clause. Default 10000 ms. */
  stallTimeoutMs?: number;
  /**
   * Audio past the last word timing is held until that word's timing arrives (so it travels
   * with the frame it starts in), but never more than this much. Default 1500 ms.
   */
  maxHoldMs?: number;
  /** Told when the synthesizer is closed (the engine forgets it). */
  onClose?(): void;
}

function serverError(
  status: number | undefined,
  code: string,
  message: string,
  secret?: string,
): EngineError {
  const text = `${scrub(message, secret)} (${status ?? '?'} ${code})`;
  if (status === 401 || status === 403) return new EngineError('cartesia', text, 'check CARTESIA_API_KEY');
  if (status === 402) return new EngineError('cartesia', text, 'add credits to the Cartesia account');
  if (status === 429) {
    return new EngineError('cartesia', text, "wait and try again, or raise the plan's concurrency limit");
  }
  return new EngineError('cartesia', text);
}

export class CartesiaSynthesizer implements Synthesizer {
  readonly sampleRate = CARTESIA_SAMPLE_RATE;
  readonly voice: string;
  private socket: CartesiaSocket;
  private reconnecting: Promise<CartesiaSocket> | undefined;
  private closed = false;
  private readonly stallTimeoutMs: number;
  private readonly maxHoldMs: number;

  private constructor(
    private readonly cfg: CartesiaSynthesizerOptions,
    socket: CartesiaSocket,
  ) {
    this.voice = cfg.voice;
    this.socket = socket;
    this.stallTimeoutMs = cfg.stallTimeoutMs ?? 10_000;
    this.maxHoldMs = cfg.maxHoldMs ?? 1500;
  }

  static async create(cfg: CartesiaSynthesizerOptions): Promise<CartesiaSynthesizer> {
    return new CartesiaSynthesizer(cfg, await CartesiaSocket.open(cfg));
  }

  /** The open socket, reconnecting once if it was lost; undefined when aborted meanwhile. */
  private async openSocket(signal: AbortSignal): Promise<CartesiaSocket | undefined> {
    if (this.socket.open) return this.socket;
    if (!this.reconnecting) {
      this.reconnecting = CartesiaSocket.open(this.cfg).finally(() => {
        this.reconnecting = undefined;
      });
    }
    const attempt = this.reconnecting;
    let onAbort = () => {};
    const aborted = new Promise<undefined>((resolve) => {
      onAbort = () => resolve(undefined);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const socket = await Promise.race([attempt, aborted]);
      if (socket) this.socket = socket;
      return socket;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private request(contextId: string, transcript: string): GenerationRequest {
    const speed = this.cfg.speed ?? 1;
    return {
      model_id: this.cfg.model,
      transcript,
      voice: { mode: 'id', id: this.cfg.voice },
      language: this.cfg.language ?? 'en',
      context_id: contextId,
      output_format: { container: 'raw', encoding: 'pcm_s16le', sample_rate: this.sampleRate },
      add_timestamps: true,
      // The whole clause in one request: nothing follows on this context.
      continue: false,
      ...(speed !== 1 ? { generation_config: { speed } } : {}),
    };
  }

  async *synthesize(text: string, signal: AbortSignal): AsyncGenerator<SpeechFrame> {
    const transcript = text.replace(/\s+/g, ' ').trim();
    if (this.closed || !transcript || signal.aborted) return;
    const socket = await this.openSocket(signal);
    if (!socket) return;
    const contextId = randomUUID();
    const inbox = socket.listen(contextId);
    const audio = new HeldAudio(this.sampleRate);
    /** End of the last word whose timing is known: audio up to here can go out. */
    let coveredMs = 0;
    let finished = false;
    try {
      socket.send(this.request(contextId, transcript));
      for (;;) {
        const wait = await inbox.next(this.stallTimeoutMs, signal);
        if (wait.kind === 'aborted') return;
        if (wait.kind === 'timeout') {
          throw new EngineError(
            'cartesia',
            `no audio for ${this.stallTimeoutMs} ms in the middle of a clause`,
            'check the service status; the next engine of the chain takes over',
          );
        }
        const event = wait.item;
        if (event.type === 'closed') {
          finished = true;
          throw new EngineError(
            'cartesia',
            `the connection closed in the middle of a clause (code ${event.code}${event.reason ? `: ${scrub(event.reason, this.cfg.apiKey)}` : ''})`,
          );
        }
        if (event.type === 'error') {
          finished = true;
          throw serverError(event.status, event.code, event.message, this.cfg.apiKey);
        }
        if (event.type === 'chunk') audio.pushBase64(event.data);
        if (event.type === 'timestamps' && event.words.length > 0) {
          audio.addWords(event.words);
          coveredMs = Math.max(coveredMs, ...event.words.map((w) => w.endMs));
        }
        if (event.type === 'done') finished = true;
        const holdAll = finished || audio.receivedMs - coveredMs > this.maxHoldMs;
        const frame = audio.release(holdAll ? Infinity : coveredMs);
        if (frame) yield frame;
        if (finished) return;
      }
    } finally {
      socket.forget(contextId);
      // Abandoned (aborted, stalled, or the consumer left): tell the server to stop this context.
      if (!finished) socket.send({ context_id: contextId, cancel: true });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cfg.onClose?.();
    this.socket.close();
    (await this.reconnecting?.catch(() => undefined))?.close();
  }
}
