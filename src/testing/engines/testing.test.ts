import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../clock.js';
import { EnergyVad, ScriptedBrain, ScriptedRecognizer, ToneSynthesizer } from './engines.js';

function tone(ms: number, amplitude: number): Int16Array {
  const n = (ms * 16_000) / 1000;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++)
    out[i] = Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * 220 * i) / 16_000));
  return out;
}

describe('EnergyVad', () => {
  it('hears speech-level audio and not silence or faint hiss', async () => {
    const vad = new EnergyVad();
    expect(await vad.speechProbability(tone(32, 0.3))).toBeGreaterThan(0.9);
    expect(await vad.speechProbability(new Int16Array(512))).toBe(0);
    expect(await vad.speechProbability(tone(32, 0.001))).toBeLessThan(0.1);
    await expect(vad.speechProbability(new Int16Array(100))).rejects.toThrow(/512-sample/);
  });
});

describe('ScriptedRecognizer', () => {
  it('reveals words as voiced audio arrives and returns the full text as final', async () => {
    const clock = new VirtualClock();
    const rec = new ScriptedRecognizer({ clock, script: ['where is my order'], msPerWord: 100 });
    const r = rec.open();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const p of r.partials()) seen.push(p.text);
    })();
    for (let i = 0; i < 10; i++) r.push({ samples: tone(20, 0.3), sampleRate: 16_000, startMs: i * 20 });
    r.push({ samples: new Int16Array(320), sampleRate: 16_000, startMs: 200 });
    const final = r.finish();
    await clock.advance(50);
    expect((await final).text).toBe('where is my order');
    await reading;
    expect(seen).toEqual(['where', 'where is']);
  });
});

describe('ScriptedBrain', () => {
  it('streams words on the clock and stops when aborted', async () => {
    const clock = new VirtualClock();
    const brain = new ScriptedBrain({ clock, replies: [[{ text: 'one two three four' }]] });
    const ctrl = new AbortController();
    const got: string[] = [];
    const done = (async () => {
      try {
        for await (const d of brain.respond({ messages: [], tools: [] }, ctrl.signal)) {
          if (d.type === 'text') got.push(d.text);
        }
      } catch {
        // aborted
      }
    })();
    await clock.advance(75);
    ctrl.abort();
    await clock.advance(100);
    await done;
    expect(got).toEqual(['one ', 'two ']);
    expect(brain.calls[0]?.aborted).toBe(true);
  });
});

describe('ToneSynthesizer', () => {
  it('makes audio proportional to text length at its own rate', async () => {
    const clock = new VirtualClock();
    const tts = new ToneSynthesizer({ clock, sampleRate: 22_050, msPerChar: 50 });
    let samples = 0;
    const done = (async () => {
      for await (const f of tts.synthesize('hello', new AbortController().signal))
        samples += f.samples.length;
    })();
    await clock.advance(100);
    await done;
    expect(samples).toBe(Math.round((5 * 50 * 22_050) / 1000));
  });
});
