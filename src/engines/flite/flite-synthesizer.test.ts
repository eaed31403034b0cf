import { describe, expect, it } from 'vitest';
import { EngineError } from '../types.js';
import { loadFliteAddon, type NativeSynthesisInfo } from './addon.js';
import { FLITE_SAMPLE_RATE, FLITE_VOICES, FliteSynthesizer } from './flite-synthesizer.js';
import { collect, durationMs, levelDbfs, TEN_WORDS } from './test-helpers.js';

const LONG_TEXT = Array.from(
  { length: 6 },
  (_, i) => `Sentence ${i + 1} tells you that the parcel is still travelling towards your house.`,
).join(' ');

function nativeRun(
  voice: string,
  text: string,
  onChunk: (samples: Int16Array, cancel: () => void) => void = () => undefined,
): Promise<{ info: NativeSynthesisInfo; chunks: number[]; doneAfterChunks: number }> {
  return new Promise((resolve, reject) => {
    const chunks: number[] = [];
    const cancel = loadFliteAddon().synthesize(
      voice,
      text,
      { durationStretch: 1, chunkSamples: 320 },
      (samples) => {
        chunks.push(samples.length);
        onChunk(samples, cancel);
      },
      (error, info) =>
        error || !info ? reject(error) : resolve({ info, chunks, doneAfterChunks: chunks.length }),
    );
  });
}

describe('FliteSynthesizer', () => {
  for (const voice of FLITE_VOICES) {
    it(`voice ${voice} speaks a ten-word sentence at a plausible length and level`, async () => {
      const tts = new FliteSynthesizer({ voice });
      const frames = await collect(tts.synthesize(TEN_WORDS, new AbortController().signal));
      expect(tts.sampleRate).toBe(16_000);
      expect(durationMs(frames)).toBeGreaterThan(2000);
      expect(durationMs(frames)).toBeLessThan(6000);
      expect(levelDbfs(frames)).toBeGreaterThan(-35);
      // 20 ms frames back to back from 0 ms.
      frames.forEach((f, i) => {
        expect(f.sampleRate).toBe(FLITE_SAMPLE_RATE);
        expect(f.samples.length).toBe(320);
        expect(f.startMs).toBeCloseTo(i * 20, 6);
      });
    });
  }

  it('native voices all report 16 kHz', async () => {
    for (const voice of FLITE_VOICES) {
      const { info } = await nativeRun(voice, 'Hello there.');
      expect(info.sampleRate).toBe(FLITE_SAMPLE_RATE);
    }
  });

  it('streams: audio arrives in many chunks while the rest is still being made', async () => {
    const full = await nativeRun('slt', LONG_TEXT);
    expect(full.chunks.length).toBeGreaterThan(10);
    // Cancelling on the very first chunk leaves most of the text unmade: the first chunk was
    // delivered long before synthesis would have finished.
    const cut = await nativeRun('slt', LONG_TEXT, (_samples, cancel) => cancel());
    expect(cut.info.stopped).toBe(true);
    expect(cut.info.samples).toBeLessThan(full.info.samples / 2);
  });

  it('abort mid-sentence ends the iteration within one frame and frees the voice', async () => {
    const tts = new FliteSynthesizer({ voice: 'slt' });
    const full = durationMs(await collect(tts.synthesize(LONG_TEXT, new AbortController().signal)));
    const controller = new AbortController();
    let before = 0;
    let after = 0;
    for await (const _frame of tts.synthesize(LONG_TEXT, controller.signal)) {
      if (controller.signal.aborted) after++;
      else if (++before === 5) controller.abort();
    }
    expect(before).toBe(5);
    expect(after).toBeLessThanOrEqual(1);
    // The voice's queue moves on: the next synthesis completes in full.
    const next = await collect(tts.synthesize(LONG_TEXT, new AbortController().signal));
    expect(durationMs(next)).toBe(full);
  });

  it('leaving the loop early stops synthesis and the next one still works', async () => {
    const tts = new FliteSynthesizer({ voice: 'kal16' });
    for await (const _frame of tts.synthesize(LONG_TEXT, new AbortController().signal)) break;
    const frames = await collect(tts.synthesize(TEN_WORDS, new AbortController().signal));
    expect(durationMs(frames)).toBeGreaterThan(2000);
  });

  it('an already-aborted signal yields nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const frames = await collect(new FliteSynthesizer().synthesize(TEN_WORDS, controller.signal));
    expect(frames).toHaveLength(0);
  });

  it('concurrent syntheses on one voice and across voices all complete in full', async () => {
    const slt = new FliteSynthesizer({ voice: 'slt' });
    const awb = new FliteSynthesizer({ voice: 'awb' });
    const solo = durationMs(await collect(slt.synthesize(TEN_WORDS, new AbortController().signal)));
    const runs = await Promise.all([
      collect(slt.synthesize(TEN_WORDS, new AbortController().signal)),
      collect(slt.synthesize(TEN_WORDS, new AbortController().signal)),
      collect(awb.synthesize(TEN_WORDS, new AbortController().signal)),
    ]);
    expect(durationMs(runs[0] ?? [])).toBe(solo);
    expect(durationMs(runs[1] ?? [])).toBe(solo);
    expect(durationMs(runs[2] ?? [])).toBeGreaterThan(2000);
  });

  it('a faster rate gives shorter speech', async () => {
    const normal = durationMs(
      await collect(new FliteSynthesizer().synthesize(TEN_WORDS, new AbortController().signal)),
    );
    const fast = durationMs(
      await collect(new FliteSynthesizer({ rate: 2 }).synthesize(TEN_WORDS, new AbortController().signal)),
    );
    expect(fast / normal).toBeGreaterThan(0.35);
    expect(fast / normal).toBeLessThan(0.7);
  });

  it('markdown and emoji do not crash it; symbol-only text is silent', async () => {
    const tts = new FliteSynthesizer();
    const spoken = await collect(
      tts.synthesize('**Great** news 🎉 — it is *here*!', new AbortController().signal),
    );
    expect(durationMs(spoken)).toBeGreaterThan(500);
    expect(await collect(tts.synthesize('🎉🚚 **', new AbortController().signal))).toHaveLength(0);
    expect(await collect(tts.synthesize('', new AbortController().signal))).toHaveLength(0);
  });

  it('rejects an unknown voice and an absurd rate with a clear error', () => {
    expect(() => new FliteSynthesizer({ voice: 'bob' as 'slt' })).toThrow(/unknown voice 'bob'/);
    expect(() => new FliteSynthesizer({ rate: 0 })).toThrow(/rate 0 is out of range/);
  });
});

describe('loadFliteAddon', () => {
  it('a missing build is an EngineError that says how to build it', () => {
    expect(() => loadFliteAddon('/nonexistent/flite.node')).toThrow(EngineError);
    expect(() => loadFliteAddon('/nonexistent/flite.node')).toThrow(/scripts\/build-native\.mjs/);
  });
});
