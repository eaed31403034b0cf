/**
 * Where Silero inference runs. onnxruntime-node's `run` executes synchronously on the calling
 * thread (its promise only defers the call), so scoring every session's frames on the main thread
 * would hold up media pacing and sockets. The worker backend keeps one ONNX session in a worker
 * thread; the main thread only posts 2 KB of audio and state per frame.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { EngineError } from '../types.js';

export const ENGINE = 'silero-vad';
export const SAMPLE_RATE = 16_000;
const STATE_SHAPE = [2, 1, 128];
const MODEL_FIX = 'use a Silero v5 ONNX file (inputs input/state/sr, outputs output/stateN)';

/** One scoring step: speech probability and the recurrent state for the next step. */
export interface SileroInference {
  infer(input: Float32Array, state: Float32Array): Promise<[number, Float32Array]>;
  close(): Promise<void>;
}

type Ort = typeof import('onnxruntime-node');

function loadOrt(): Ort {
  try {
    return createRequire(import.meta.url)('onnxruntime-node') as Ort;
  } catch (error) {
    throw new EngineError(ENGINE, 'cannot load onnxruntime-node', 'run `npm ci` (Linux x64/arm64)', {
      cause: error,
    });
  }
}

/** Scores on the calling thread: simplest, and deterministic for tools that run one stream. */
export class MainThreadInference implements SileroInference {
  private constructor(
    private readonly ort: Ort,
    private readonly session: InferenceSession,
    private readonly sampleRate: Tensor,
  ) {}

  static async create(modelPath: string, intraOpThreads: number): Promise<MainThreadInference> {
    const ort = loadOrt();
    let session: InferenceSession;
    try {
      session = await ort.InferenceSession.create(modelPath, {
        intraOpNumThreads: intraOpThreads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
    } catch (error) {
      throw new EngineError(ENGINE, `cannot load model ${modelPath}: ${String(error)}`, MODEL_FIX, {
        cause: error,
      });
    }
    const missing = ['input', 'state', 'sr'].filter((name) => !session.inputNames.includes(name));
    if (missing.length > 0) {
      await session.release();
      throw new EngineError(ENGINE, `model ${modelPath} lacks input(s) ${missing.join(', ')}`, MODEL_FIX);
    }
    const sampleRate = new ort.Tensor('int64', BigInt64Array.from([BigInt(SAMPLE_RATE)]), []);
    return new MainThreadInference(ort, session, sampleRate);
  }

  async infer(input: Float32Array, state: Float32Array): Promise<[number, Float32Array]> {
    const { Tensor } = this.ort;
    const results = await this.session.run({
      input: new Tensor('float32', input, [1, input.length]),
      state: new Tensor('float32', state, STATE_SHAPE),
      sr: this.sampleRate,
    });
    const output = results.output?.data;
    const nextState = results.stateN?.data;
    if (!(output instanceof Float32Array) || !(nextState instanceof Float32Array) || output.length < 1) {
      throw new EngineError(ENGINE, 'model returned no output/stateN', MODEL_FIX);
    }
    return [output[0]!, nextState];
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/**
 * The worker's program. It runs MainThreadInference's steps with the same options; kept as plain
 * CommonJS text so it starts the same under node, tsx and vitest without a TypeScript loader.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
(async () => {
  let session;
  try {
    session = await ort.InferenceSession.create(workerData.modelPath, {
      intraOpNumThreads: workerData.intraOpThreads, interOpNumThreads: 1,
      executionMode: 'sequential', graphOptimizationLevel: 'all',
    });
  } catch (error) {
    parentPort.postMessage({ type: 'failed', message: String(error) });
    return;
  }
  const missing = ['input', 'state', 'sr'].filter((name) => !session.inputNames.includes(name));
  if (missing.length > 0) {
    parentPort.postMessage({ type: 'failed', message: 'the model lacks input(s) ' + missing.join(', ') });
    return;
  }
  const sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(workerData.sampleRate)]), []);
  parentPort.on('message', async ({ id, input, state }) => {
    try {
      const results = await session.run({
        input: new ort.Tensor('float32', input, [1, input.length]),
        state: new ort.Tensor('float32', state, [2, 1, 128]),
        sr,
      });
      const next = Float32Array.from(results.stateN.data);
      parentPort.postMessage({ type: 'scored', id, probability: results.output.data[0], state: next }, [next.buffer]);
    } catch (error) {
      parentPort.postMessage({ type: 'error', id, message: String(error) });
    }
  });
  parentPort.postMessage({ type: 'ready' });
})();
`;

type WorkerReply =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'scored'; id: number; probability: number; state: Float32Array }
  | { type: 'error'; id: number; message: string };

interface Pending {
  resolve(result: [number, Float32Array]): void;
  reject(error: Error): void;
}

/** Scores in a worker thread shared by every Vad of the model. */
export class WorkerInference implements SileroInference {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private stopped: EngineError | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: WorkerReply) => this.onReply(reply));
    worker.on('error', (error) => this.stop(`the VAD worker failed: ${String(error)}`));
    worker.on('exit', (code) => this.stop(`the VAD worker exited (code ${code})`));
    worker.unref(); // an idle VAD never keeps the process alive
  }

  static async create(modelPath: string, intraOpThreads: number): Promise<WorkerInference> {
    let ortPath: string;
    try {
      ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
    } catch (error) {
      throw new EngineError(ENGINE, 'onnxruntime-node is not installed', 'run `npm ci`', { cause: error });
    }
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ortPath, modelPath, intraOpThreads, sampleRate: SAMPLE_RATE },
    });
    const startup = await new Promise<WorkerReply | Error>((resolve) => {
      const onExit = (code: number) => resolve(new Error(`exited with code ${code}`));
      const settle = (result: WorkerReply | Error) => {
        worker.off('message', settle);
        worker.off('error', settle);
        worker.off('exit', onExit);
        resolve(result);
      };
      worker.on('message', settle);
      worker.on('error', settle);
      worker.on('exit', onExit);
    });
    if (startup instanceof Error || startup.type !== 'ready') {
      await worker.terminate();
      const why =
        startup instanceof Error
          ? String(startup)
          : startup.type === 'failed'
            ? startup.message
            : startup.type;
      throw new EngineError(ENGINE, `cannot load model ${modelPath}: ${why}`, MODEL_FIX);
    }
    return new WorkerInference(worker);
  }

  infer(input: Float32Array, state: Float32Array): Promise<[number, Float32Array]> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Work in flight keeps the process alive until its answer arrives.
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage({ id, input, state });
    });
  }

  private onReply(reply: WorkerReply): void {
    if (reply.type !== 'scored' && reply.type !== 'error') return;
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.type === 'scored') waiting.resolve([reply.probability, reply.state]);
    else waiting.reject(new EngineError(ENGINE, `inference failed: ${reply.message}`));
  }

  private stop(reason: string): void {
    this.stopped ??= new EngineError(ENGINE, reason, 'load the model again (SileroVadModel.load)');
    for (const waiting of this.pending.values()) waiting.reject(this.stopped);
    this.pending.clear();
  }

  async close(): Promise<void> {
    this.stop('the VAD model was closed');
    await this.worker.terminate();
  }
}
