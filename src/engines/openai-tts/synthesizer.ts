/**
 * A `Synthesizer` over `POST {base}/audio/speech` with `response_format: 'pcm'`: raw 24 kHz
 * 16-bit little-endian mono samples, yielded as frames while the response body streams in.
 * Aborting the signal (or leaving the loop) closes the request; a body that stops flowing for
 * `stallMs` is a failure, not a wait without end.
 *
 * API reference: https://platform.openai.com/docs/api-reference/audio/createSpeech
 * The pcm format (24 kHz, 16-bit signed, little-endian, no header):
 * https://platform.openai.com/docs/guides/text-to-speech#supported-output-formats
 */
import type OpenAI from 'openai';
import { type ApiErrorContext, audioApiError, displayUrl } from '../openai-stt/audio-client.js';
import { EngineError, type SpeechFrame, type Synthesizer } from '../types.js';
import { PcmFramer } from './pcm-frames.js';

/** The documented rate of `pcm` responses. */
export const PCM_SAMPLE_RATE = 24_000;

export interface SpeechRequestOptions {
  model: string;
  /** OpenAI's `speed` (0.25 to 4); not sent when 1. */
  speed: number;
  /** Longest pause in the streamed body before the request counts as failed, ms. */
  stallMs: number;
  errors: ApiErrorContext;
}

export class OpenAiSpeechSynthesizer implements Synthesizer {
  readonly sampleRate = PCM_SAMPLE_RATE;

  constructor(
    private readonly client: OpenAI,
    readonly voice: string,
    private readonly opts: SpeechRequestOptions,
  ) {}

  async *synthesize(text: string, signal: AbortSignal): AsyncIterable<SpeechFrame> {
    if (signal.aborted || text.trim() === '') return;
    // Our own controller also closes the request when the consumer stops iterating early.
    const request = new AbortController();
    const onAbort = () => request.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    let stalled = false;
    try {
      const response = await this.client.audio.speech.create(
        {
          model: this.opts.model,
          input: text,
          voice: this.voice,
          response_format: 'pcm',
          ...(this.opts.speed !== 1 ? { speed: this.opts.speed } : {}),
        },
        { signal: request.signal },
      );
      if (!response.body) throw new EngineError(this.opts.errors.engine, 'the server sent no audio body');
      const framer = new PcmFramer(PCM_SAMPLE_RATE);
      const reader = response.body.getReader();
      for (;;) {
        const timer = setTimeout(() => {
          stalled = true;
          request.abort();
        }, this.opts.stallMs);
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } finally {
          clearTimeout(timer);
        }
        if (chunk.done) break;
        for (const frame of framer.push(chunk.value)) {
          if (request.signal.aborted) return;
          yield frame;
        }
      }
    } catch (err) {
      if (stalled) {
        throw new EngineError(
          this.opts.errors.engine,
          `the audio from ${displayUrl(this.opts.errors.url)} stopped for ${this.opts.stallMs} ms`,
          'check the speech server, or raise stallMs',
          { cause: err },
        );
      }
      // Stopped on purpose: the request is closed, nothing to report.
      if (request.signal.aborted) return;
      throw audioApiError(err, this.opts.errors);
    } finally {
      signal.removeEventListener('abort', onAbort);
      request.abort();
    }
  }
}
