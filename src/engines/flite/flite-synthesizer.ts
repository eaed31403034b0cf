/** Streaming speech from Debian's flite voices through Parley's native addon (native/flite). */
import { type AudioFrame, FRAME_MS } from '../../audio/frame.js';
import { EngineError, type Synthesizer } from '../types.js';
import { type FliteAddon, loadFliteAddon } from './addon.js';
import { type ChunkSink, framesFromChunks } from './frame-stream.js';
import { trimLeadingSilence } from './leading-silence.js';
import { prepareSpeechText, splitSentences } from './speech-text.js';
import { queueForVoice } from './voice-queue.js';

export type FliteVoice = 'slt' | 'rms' | 'awb' | 'kal16';
export const FLITE_VOICES: readonly FliteVoice[] = ['slt', 'rms', 'awb', 'kal16'];

/** Every voice Debian ships for US English here speaks at 16 kHz (checked by the tests). */
export const FLITE_SAMPLE_RATE = 16_000;

export interface FliteOptions {
  /** Default 'slt'. */
  voice?: FliteVoice;
  /** Speaking-rate factor: 1 = normal (default), 1.25 = a quarter faster. Range 0.25–4. */
  rate?: number;
  /** Length of the frames yielded, in ms. Default FRAME_MS (20). */
  frameMs?: number;
  /** Samples flite gathers per streaming callback; bounds how late an abort lands. Default 320 (20 ms). */
  chunkSamples?: number;
}

export class FliteSynthesizer implements Synthesizer {
  readonly sampleRate = FLITE_SAMPLE_RATE;
  readonly voice: FliteVoice;
  private readonly addon: FliteAddon;
  private readonly durationStretch: number;
  private readonly frameMs: number;
  private readonly chunkSamples: number;

  /** Throws EngineError when the addon is not built or an option is out of range. */
  constructor(opts: FliteOptions = {}) {
    this.voice = opts.voice ?? 'slt';
    if (!FLITE_VOICES.includes(this.voice)) {
      throw new EngineError(
        'flite',
        `unknown voice '${this.voice}'`,
        `use one of ${FLITE_VOICES.join(', ')}`,
      );
    }
    const rate = opts.rate ?? 1;
    if (!(rate >= 0.25 && rate <= 4)) {
      throw new EngineError(
        'flite',
        `speaking rate ${rate} is out of range`,
        'use a rate between 0.25 and 4',
      );
    }
    this.durationStretch = 1 / rate;
    this.frameMs = opts.frameMs ?? FRAME_MS;
    this.chunkSamples = opts.chunkSamples ?? 320;
    this.addon = loadFliteAddon();
  }

  synthesize(text: string, signal: AbortSignal): AsyncIterable<AudioFrame> {
    const sentences = splitSentences(prepareSpeechText(text));
    return framesFromChunks({
      sampleRate: this.sampleRate,
      frameMs: this.frameMs,
      signal,
      start: (frameSink) => {
        const sink = trimLeadingSilence(frameSink);
        let stopped = false;
        let cancelNative: (() => void) | undefined;
        queueForVoice(this.voice).run(async () => {
          try {
            // Sentence by sentence: flite plans a whole utterance before its first chunk.
            for (const sentence of sentences) {
              if (stopped) return;
              await this.synthesizeOne(sentence, sink, (cancel) => {
                cancelNative = cancel;
              });
            }
            sink.end();
          } catch (error) {
            sink.fail(error);
          }
        });
        return () => {
          stopped = true;
          cancelNative?.();
        };
      },
    });
  }

  /** One native synthesis; resolves when flite has finished or stopped. */
  private synthesizeOne(
    sentence: string,
    sink: ChunkSink,
    started: (cancel: () => void) => void,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const fail = (cause: unknown) =>
        reject(
          new EngineError('flite', cause instanceof Error ? cause.message : String(cause), undefined, {
            cause,
          }),
        );
      try {
        started(
          this.addon.synthesize(
            this.voice,
            sentence,
            { durationStretch: this.durationStretch, chunkSamples: this.chunkSamples },
            (samples) => sink.chunk(samples),
            (error) => (error ? fail(error) : resolve()),
          ),
        );
      } catch (error) {
        fail(error);
      }
    });
  }
}
