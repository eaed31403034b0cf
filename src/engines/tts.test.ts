import { describe, expect, it } from 'vitest';
import { collect, durationMs } from './flite/test-helpers.js';
import { createSynthesizer, createSynthesizerWithFallback, VOICES, type VoiceName } from './tts.js';
import { EngineError } from './types.js';

describe('createSynthesizer', () => {
  it('makes every listed voice, each speaking 16 kHz audio', async () => {
    for (const voice of VOICES) {
      const tts = await createSynthesizer(voice);
      expect(tts.sampleRate).toBe(16_000);
      const frames = await collect(tts.synthesize('Hello from Parley.', new AbortController().signal));
      expect(durationMs(frames)).toBeGreaterThan(400);
    }
  });

  it('names its voices as asked, defaults to slt, and applies the rate to flite and espeak-ng alike', async () => {
    expect((await createSynthesizer()).voice).toBe('slt');
    expect((await createSynthesizer('espeak')).voice).toBe('espeak');
    for (const voice of ['slt', 'espeak'] as const) {
      const normal = await createSynthesizer(voice);
      const fast = await createSynthesizer(voice, { rate: 1.5 });
      const text = 'The courier will call you before arriving.';
      const normalMs = durationMs(await collect(normal.synthesize(text, new AbortController().signal)));
      const fastMs = durationMs(await collect(fast.synthesize(text, new AbortController().signal)));
      expect(fastMs).toBeLessThan(normalMs * 0.85);
    }
  });

  it('an unknown voice is an EngineError naming the choices', async () => {
    await expect(createSynthesizer('bob' as VoiceName)).rejects.toThrow(EngineError);
    await expect(createSynthesizer('bob' as VoiceName)).rejects.toThrow(/slt, rms, awb, kal16, espeak/);
  });

  it('the fallback helper keeps a working voice and does not warn', async () => {
    const warnings: EngineError[] = [];
    const tts = await createSynthesizerWithFallback('rms', { onFallback: (e) => warnings.push(e) });
    expect(tts.voice).toBe('rms');
    expect(warnings).toHaveLength(0);
  });
});
