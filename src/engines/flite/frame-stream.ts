/**
 * Turns a push-style audio source (a native callback, a child process's stdout) into the
 * pull-style AsyncIterable of fixed-length AudioFrames every Parley synthesizer yields.
 */
import type { AudioFrame } from '../../audio/frame.js';

/** What a source is given to deliver its audio. */
export interface ChunkSink {
  chunk(samples: Int16Array): void;
  /** The source has nothing more. */
  end(): void;
  /** The source failed; the iteration throws this error after the audio already delivered. */
  fail(error: unknown): void;
}

export interface FrameStreamOptions {
  sampleRate: number;
  /** Frame length in ms; the last frame is padded with silence to this length. */
  frameMs: number;
  signal: AbortSignal;
  /**
   * Starts the source, which pushes into `sink`; returns a function that stops it.
   * Called on the first pull, never when the signal is already aborted.
   */
  start(sink: ChunkSink): () => void;
}

/**
 * Frames in media time from 0 (the start of this text). On abort the iteration ends at once,
 * without yielding what is buffered, and the source is stopped; leaving the loop early stops it too.
 */
export async function* framesFromChunks(opts: FrameStreamOptions): AsyncGenerator<AudioFrame> {
  const { sampleRate, signal } = opts;
  if (signal.aborted) return;
  const frameSamples = Math.round((opts.frameMs * sampleRate) / 1000);
  const ready: Int16Array[] = [];
  let partial = new Int16Array(frameSamples);
  let partialLength = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  const sink: ChunkSink = {
    chunk(samples) {
      if (ended) return;
      let offset = 0;
      while (offset < samples.length) {
        const take = Math.min(frameSamples - partialLength, samples.length - offset);
        partial.set(samples.subarray(offset, offset + take), partialLength);
        partialLength += take;
        offset += take;
        if (partialLength === frameSamples) {
          ready.push(partial);
          partial = new Int16Array(frameSamples);
          partialLength = 0;
        }
      }
      notify();
    },
    end() {
      if (ended) return;
      ended = true;
      // The tail is zero-padded: transports and playout work in whole frames.
      if (partialLength > 0) ready.push(partial);
      notify();
    },
    fail(error) {
      if (ended) return;
      ended = true;
      failure = { error };
      notify();
    },
  };

  signal.addEventListener('abort', notify);
  const stop = opts.start(sink);
  let emittedSamples = 0;
  try {
    for (;;) {
      if (signal.aborted) return;
      const samples = ready.shift();
      if (samples) {
        const startMs = (emittedSamples * 1000) / sampleRate;
        emittedSamples += samples.length;
        yield { samples, sampleRate, startMs };
        continue;
      }
      if (ended) {
        if (failure) throw failure.error;
        return;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    signal.removeEventListener('abort', notify);
    if (!ended) {
      ended = true;
      stop();
    }
  }
}
