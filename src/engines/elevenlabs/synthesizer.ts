/**
 * ElevenLabs speech over the stream-input WebSocket, one clause per connection.
 * https://elevenlabs.io/docs/api-reference/text-to-speech/v-1-text-to-speech-voice-id-stream-input
 *
 * Why a connection per clause: on one stream-input connection the end of a piece of audio is
 * only marked (`isFinal`) when the input ends, so a clause's end, its abort (close the socket)
 * and its timings (from zero) are all clean only if the clause has the connection to itself.
 * The handshake is hidden by a spare: the next clause's connection is opened and initialized
 * while the current one speaks, and the first one when the session's synthesizer is made, which
 * is also where a refused key or an unreachable server shows up. The cost is that prosody does
 * not carry from one clause to the next.
 */
import { EngineError, type SpeechFrame, type Synthesizer } from '../types.js';
import { ELEVENLABS_SAMPLE_RATE, type StreamInputConfig, StreamInputConnection } from './connection.js';
import { HeldAudio } from '../websocket/held-audio.js';
import { scrub } from '../websocket/ws-open.js';
import { CharWordAligner, parseStreamInputMessage } from './wire.js';

export interface ElevenLabsSynthesizerOptions extends StreamInputConfig {
  /** Longest wait for the next message of a clause before it fails. Default 10000 ms. */
  stallTimeoutMs?: number;
  /**
   * A spare idle longer than this is replaced rather than used, before the server's
   * inactivity timeout can close it under a clause. Default 150000 ms.
   */
  spareMaxIdleMs?: number;
  /** Told when the synthesizer is closed (the engine forgets it). */
  onClose?(): void;
}

function serverError(code: string, message: string, secret: string | undefined): EngineError {
  const text = `${scrub(message, secret)} (${code})`;
  if (/quota|credit|payment/i.test(code + message)) {
    return new EngineError('elevenlabs', text, 'add credits or upgrade the ElevenLabs plan');
  }
  if (/api.?key|auth|unauthori[sz]ed/i.test(code + message)) {
    return new EngineError('elevenlabs', text, 'check ELEVENLABS_API_KEY');
  }
  if (/concurren|rate|too.many/i.test(code + message)) {
    return new EngineError('elevenlabs', text, "wait and try again, or raise the plan's concurrency limit");
  }
  return new EngineError('elevenlabs', text);
}

export class ElevenLabsSynthesizer implements Synthesizer {
  readonly sampleRate = ELEVENLABS_SAMPLE_RATE;
  readonly voice: string;
  private spare: Promise<StreamInputConnection> | undefined;
  private closed = false;
  private readonly stallTimeoutMs: number;
  private readonly spareMaxIdleMs: number;

  private constructor(private readonly cfg: ElevenLabsSynthesizerOptions) {
    this.voice = cfg.voice;
    this.stallTimeoutMs = cfg.stallTimeoutMs ?? 10_000;
    this.spareMaxIdleMs = cfg.spareMaxIdleMs ?? 150_000;
  }

  /** Opens the first connection now: a refused key is an EngineError here, not at the first clause. */
  static async create(cfg: ElevenLabsSynthesizerOptions): Promise<ElevenLabsSynthesizer> {
    const synthesizer = new ElevenLabsSynthesizer(cfg);
    synthesizer.prepareSpare();
    await synthesizer.spare;
    return synthesizer;
  }

  private prepareSpare(): void {
    if (this.closed || this.spare) return;
    const spare = StreamInputConnection.open(this.cfg);
    // A spare that fails is reported to the clause that takes it.
    spare.catch(() => {});
    this.spare = spare;
  }

  /** The spare if it is still good, else a new connection; undefined when aborted. */
  private async connection(signal: AbortSignal): Promise<StreamInputConnection | undefined> {
    const spare = this.spare;
    this.spare = undefined;
    if (spare) {
      let onAbort = () => {};
      const aborted = new Promise<'aborted'>((resolve) => {
        onAbort = () => resolve('aborted');
        signal.addEventListener('abort', onAbort, { once: true });
      });
      const ready = await Promise.race([spare, aborted]).finally(() =>
        signal.removeEventListener('abort', onAbort),
      );
      if (ready === 'aborted') {
        this.spare ??= spare;
        return undefined;
      }
      if (!ready.closed && Date.now() - ready.openedAt < this.spareMaxIdleMs) return ready;
      ready.close();
    }
    try {
      return await StreamInputConnection.open(this.cfg, signal);
    } catch (error) {
      if (signal.aborted) return undefined;
      throw error;
    }
  }

  async *synthesize(text: string, signal: AbortSignal): AsyncGenerator<SpeechFrame> {
    const clause = text.replace(/\s+/g, ' ').trim();
    if (this.closed || !clause || signal.aborted) return;
    const connection = await this.connection(signal);
    if (!connection) return;
    this.prepareSpare();
    const audio = new HeldAudio(this.sampleRate);
    const aligner = new CharWordAligner();
    try {
      // Text ends with a space, as documented; flush generates it now, "" ends the input.
      connection.send({ text: `${clause} `, flush: true });
      connection.send({ text: '' });
      for (;;) {
        const wait = await connection.next(this.stallTimeoutMs, signal);
        if (wait.kind === 'aborted') return;
        if (wait.kind === 'timeout') {
          throw new EngineError(
            'elevenlabs',
            `no audio for ${this.stallTimeoutMs} ms in the middle of a clause`,
            'check the service status; the next engine of the chain takes over',
          );
        }
        const event = wait.item;
        if (event.kind === 'closed') {
          throw new EngineError(
            'elevenlabs',
            `the connection closed in the middle of a clause (code ${event.code}${event.reason ? `: ${scrub(event.reason, this.cfg.apiKey)}` : ''})`,
          );
        }
        const message = parseStreamInputMessage(event.text);
        if (!message) continue;
        if (message.error) throw serverError(message.error.code, message.error.message, this.cfg.apiKey);
        if (message.audio) {
          const offsetMs = audio.receivedMs;
          audio.pushBase64(message.audio);
          if (message.alignment) aligner.add(message.alignment, offsetMs);
        }
        if (message.isFinal) aligner.finish();
        audio.addWords(aligner.take());
        // Audio from the start of a word still being spelled waits for that word's end.
        const frame = audio.release(message.isFinal ? Infinity : (aligner.openStartMs ?? Infinity));
        if (frame) yield frame;
        if (message.isFinal) return;
      }
    } finally {
      connection.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cfg.onClose?.();
    const spare = this.spare;
    this.spare = undefined;
    const connection = await spare?.catch(() => undefined);
    connection?.close();
  }
}
