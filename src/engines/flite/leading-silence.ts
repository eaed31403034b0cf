/**
 * flite opens every utterance with a pause segment (~200 ms of near-silence). At the start of a
 * reply that pause is pure time-to-first-audio, so it is cut down to a short lead-in.
 */
import type { ChunkSink } from './frame-stream.js';

export interface LeadingSilenceOptions {
  /** Samples with |value| below this count as silence. Default 100 (about −50 dBFS). */
  threshold?: number;
  /** Silence kept before the first sound so the onset is not clipped. Default 160 (10 ms at 16 kHz). */
  keepSamples?: number;
}

/** Wraps a sink so that leading silence beyond `keepSamples` never reaches it. */
export function trimLeadingSilence(sink: ChunkSink, opts: LeadingSilenceOptions = {}): ChunkSink {
  const threshold = opts.threshold ?? 100;
  const keepSamples = opts.keepSamples ?? 160;
  let sounding = false;
  let tail = new Int16Array(0);
  return {
    chunk(samples) {
      if (sounding) {
        sink.chunk(samples);
        return;
      }
      const first = samples.findIndex((s) => Math.abs(s) >= threshold);
      if (first < 0) {
        // Still silent: remember only the last `keepSamples` for the lead-in.
        const joined = new Int16Array(tail.length + samples.length);
        joined.set(tail);
        joined.set(samples, tail.length);
        tail = joined.slice(Math.max(0, joined.length - keepSamples));
        return;
      }
      sounding = true;
      const fromChunk = Math.min(first, keepSamples);
      const fromTail = tail.slice(Math.max(0, tail.length - (keepSamples - fromChunk)));
      const out = new Int16Array(fromTail.length + samples.length - (first - fromChunk));
      out.set(fromTail);
      out.set(samples.subarray(first - fromChunk), fromTail.length);
      tail = new Int16Array(0);
      sink.chunk(out);
    },
    end: () => sink.end(),
    fail: (error) => sink.fail(error),
  };
}
