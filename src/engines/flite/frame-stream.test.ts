import { describe, expect, it } from 'vitest';
import { type ChunkSink, framesFromChunks } from './frame-stream.js';
import { collect } from './test-helpers.js';

function ramp(from: number, length: number): Int16Array {
  return Int16Array.from({ length }, (_, i) => from + i);
}

describe('framesFromChunks', () => {
  it('re-cuts odd-sized chunks into back-to-back frames, zero-padding the last', async () => {
    const frames = await collect(
      framesFromChunks({
        sampleRate: 1000,
        frameMs: 10,
        signal: new AbortController().signal,
        start(sink) {
          sink.chunk(ramp(0, 7));
          sink.chunk(ramp(7, 16));
          sink.chunk(ramp(23, 2));
          setTimeout(() => sink.end(), 5);
          return () => undefined;
        },
      }),
    );
    expect(frames.map((f) => f.startMs)).toEqual([0, 10, 20]);
    expect(Array.from(frames[1]?.samples ?? [])).toEqual(Array.from(ramp(10, 10)));
    expect(Array.from(frames[2]?.samples ?? [])).toEqual([20, 21, 22, 23, 24, 0, 0, 0, 0, 0]);
  });

  it('delivers the audio made before a failure, then throws it', async () => {
    const seen: number[] = [];
    const run = async () => {
      for await (const f of framesFromChunks({
        sampleRate: 1000,
        frameMs: 10,
        signal: new AbortController().signal,
        start(sink) {
          sink.chunk(ramp(0, 20));
          sink.fail(new Error('engine broke'));
          return () => undefined;
        },
      }))
        seen.push(f.startMs);
    };
    await expect(run()).rejects.toThrow('engine broke');
    expect(seen).toEqual([0, 10]);
  });

  it('stops the source when the signal aborts while waiting for audio', async () => {
    const controller = new AbortController();
    let stopped = false;
    let source: ChunkSink | undefined;
    const frames = collect(
      framesFromChunks({
        sampleRate: 1000,
        frameMs: 10,
        signal: controller.signal,
        start(sink) {
          source = sink;
          sink.chunk(ramp(0, 10));
          return () => {
            stopped = true;
          };
        },
      }),
    );
    await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    source?.chunk(ramp(10, 30)); // audio that arrives after the abort is never yielded
    expect((await frames).length).toBe(1);
    expect(stopped).toBe(true);
  });
});
