import { describe, expect, it } from 'vitest';
import type { ChunkSink } from './frame-stream.js';
import { trimLeadingSilence } from './leading-silence.js';

function collector() {
  const chunks: Int16Array[] = [];
  const sink: ChunkSink = { chunk: (s) => chunks.push(s), end: () => {}, fail: () => {} };
  const all = () => Int16Array.from(chunks.flatMap((c) => Array.from(c)));
  return { sink, all };
}

describe('trimLeadingSilence', () => {
  it('cuts a long opening pause down to the lead-in and keeps every sample after the onset', () => {
    const { sink, all } = collector();
    const trimmed = trimLeadingSilence(sink, { keepSamples: 160 });
    for (let i = 0; i < 10; i++) trimmed.chunk(new Int16Array(320)); // 200 ms of silence
    const speech = Int16Array.from({ length: 320 }, (_, i) => (i < 100 ? 0 : 1000));
    trimmed.chunk(speech);
    trimmed.chunk(new Int16Array(320).fill(-2000));
    const out = all();
    // 160 samples of lead-in: 60 from the silent chunks before, 100 silent ones in the onset chunk.
    expect(out.length).toBe(160 + 220 + 320);
    expect(out.slice(0, 160).every((s) => s === 0)).toBe(true);
    expect(out[160]).toBe(1000);
    expect(out.at(-1)).toBe(-2000);
  });

  it('does not touch silence once sound has started (pauses inside a reply stay)', () => {
    const { sink, all } = collector();
    const trimmed = trimLeadingSilence(sink, { keepSamples: 0 });
    trimmed.chunk(new Int16Array([500, 500]));
    trimmed.chunk(new Int16Array(400));
    trimmed.chunk(new Int16Array([700]));
    expect(all().length).toBe(403);
  });
});
