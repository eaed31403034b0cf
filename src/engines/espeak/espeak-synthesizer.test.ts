import { describe, expect, it } from 'vitest';
import { collect, durationMs, levelDbfs, TEN_WORDS } from '../flite/test-helpers.js';
import { EspeakSynthesizer } from './espeak-synthesizer.js';

const LONG_TEXT = 'The parcel is on its way and the driver will call before arriving at your door. '.repeat(
  6,
);

describe('EspeakSynthesizer', () => {
  it('speaks a ten-word sentence at a plausible length and level, in 16 kHz 20 ms frames', async () => {
    const tts = new EspeakSynthesizer();
    const frames = await collect(tts.synthesize(TEN_WORDS, new AbortController().signal));
    expect(tts.sampleRate).toBe(16_000);
    expect(durationMs(frames)).toBeGreaterThan(2000);
    expect(durationMs(frames)).toBeLessThan(6000);
    expect(levelDbfs(frames)).toBeGreaterThan(-35);
    frames.forEach((f, i) => {
      expect(f.sampleRate).toBe(16_000);
      expect(f.samples.length).toBe(320);
      expect(f.startMs).toBeCloseTo(i * 20, 6);
    });
  });

  it('abort mid-sentence ends the iteration within one frame', async () => {
    const tts = new EspeakSynthesizer();
    const controller = new AbortController();
    let before = 0;
    let after = 0;
    for await (const _frame of tts.synthesize(LONG_TEXT, controller.signal)) {
      if (controller.signal.aborted) after++;
      else if (++before === 3) controller.abort();
    }
    expect(before).toBe(3);
    expect(after).toBeLessThanOrEqual(1);
  });

  it('two concurrent syntheses both complete in full', async () => {
    const tts = new EspeakSynthesizer();
    const solo = durationMs(await collect(tts.synthesize(TEN_WORDS, new AbortController().signal)));
    const [a, b] = await Promise.all([
      collect(tts.synthesize(TEN_WORDS, new AbortController().signal)),
      collect(tts.synthesize(TEN_WORDS, new AbortController().signal)),
    ]);
    expect(durationMs(a ?? [])).toBe(solo);
    expect(durationMs(b ?? [])).toBe(solo);
  });

  it('a faster rate gives shorter speech', async () => {
    const normal = durationMs(
      await collect(new EspeakSynthesizer().synthesize(TEN_WORDS, new AbortController().signal)),
    );
    const fast = durationMs(
      await collect(new EspeakSynthesizer({ rate: 2 }).synthesize(TEN_WORDS, new AbortController().signal)),
    );
    expect(fast / normal).toBeLessThan(0.75);
  });

  it('text starting with a dash is spoken, not taken as an option', async () => {
    const frames = await collect(
      new EspeakSynthesizer().synthesize('-v is not an option here', new AbortController().signal),
    );
    expect(durationMs(frames)).toBeGreaterThan(500);
  });

  it('a missing program or voice fails with a clear EngineError', async () => {
    const missing = new EspeakSynthesizer({ command: 'espeak-ng-not-installed' });
    await expect(collect(missing.synthesize('hello', new AbortController().signal))).rejects.toThrow(
      /not installed.*apt-get install espeak-ng/,
    );
    const badVoice = new EspeakSynthesizer({ voice: 'nosuchvoice' });
    await expect(collect(badVoice.synthesize('hello', new AbortController().signal))).rejects.toThrow(
      /espeak-ng: exited with 1: .*voice does not exist/,
    );
  });
});
