import { describe, expect, it } from 'vitest';
import { SESSION_SAMPLE_RATE } from '../../audio/frame.js';
import { EngineError } from '../types.js';
import { SegmentRecognition, type SegmentTranscriber } from './recognition.js';

/** A transcriber whose answers the test releases one by one; it says how much audio it got. */
class HeldTranscriber implements SegmentTranscriber {
  readonly calls: { ms: number; signal: AbortSignal; answer(text: string): void; fail(err: Error): void }[] =
    [];
  inFlight = 0;
  maxInFlight = 0;

  transcribe(samples: Int16Array, _prompt: string | undefined, signal: AbortSignal): Promise<string> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise<string>((resolve, reject) => {
      const done = () => this.inFlight--;
      this.calls.push({
        ms: (samples.length * 1000) / SESSION_SAMPLE_RATE,
        signal,
        answer: (text) => {
          done();
          resolve(text);
        },
        fail: (err) => {
          done();
          reject(err);
        },
      });
    });
  }
}

const frame = () => ({ samples: new Int16Array(320), sampleRate: SESSION_SAMPLE_RATE, startMs: 0 });
const pushMs = (r: SegmentRecognition, ms: number) => {
  for (let i = 0; i < ms / 20; i++) r.push(frame());
};
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('a segment recognition', () => {
  it('keeps one partial request in flight and sends the next only when new audio came', async () => {
    const t = new HeldTranscriber();
    const r = new SegmentRecognition(t, { partialMs: 500, engine: 'test' });
    pushMs(r, 400);
    expect(t.calls).toHaveLength(0);
    pushMs(r, 100);
    expect(t.calls.map((c) => c.ms)).toEqual([500]);
    pushMs(r, 1500); // more audio while the first request is out: no second request yet
    expect(t.calls).toHaveLength(1);
    t.calls[0]?.answer('where is');
    await tick();
    // the growing segment goes out again as soon as the first answer is in
    expect(t.calls.map((c) => c.ms)).toEqual([500, 2000]);
    t.calls[1]?.answer('where is my order');
    await tick();
    expect(t.calls).toHaveLength(2); // nothing new since: nothing sent
    expect(t.maxInFlight).toBe(1);

    const partials: string[] = [];
    const reading = (async () => {
      for await (const p of r.partials()) partials.push(p.text);
    })();
    const final = r.finish();
    await tick();
    expect(t.calls.map((c) => c.ms)).toEqual([500, 2000, 2000]);
    t.calls[2]?.answer(' where is my order four ');
    await expect(final).resolves.toMatchObject({ text: 'where is my order four', final: true });
    await reading;
    expect(partials).toEqual(['where is', 'where is my order']);
    // Each upload is billed: the cost meter counts 4.5 s for 2 s of speech.
    expect(r.billedAudioMs).toBe(4500);
  });

  it('drops a partial still in flight when the final is asked for', async () => {
    const t = new HeldTranscriber();
    const r = new SegmentRecognition(t, { partialMs: 200, engine: 'test' });
    pushMs(r, 600);
    const partial = t.calls[0];
    const final = r.finish();
    await tick();
    expect(partial?.signal.aborted).toBe(true);
    partial?.answer('late partial');
    t.calls[1]?.answer('the final');
    await expect(final).resolves.toMatchObject({ text: 'the final' });
    const seen: string[] = [];
    for await (const p of r.partials()) seen.push(p.text);
    expect(seen).toEqual([]);
  });

  it('fails the utterance when a partial request fails: partials throw, finish rejects', async () => {
    const t = new HeldTranscriber();
    const r = new SegmentRecognition(t, { partialMs: 200, engine: 'test' });
    pushMs(r, 200);
    t.calls[0]?.fail(new EngineError('test', 'connection dropped'));
    await tick();
    await expect(
      (async () => {
        for await (const _ of r.partials()) {
          // none come
        }
      })(),
    ).rejects.toThrow(/connection dropped/);
    await expect(r.finish()).rejects.toThrow(/connection dropped/);
    expect(t.calls).toHaveLength(1);
  });

  it('sends no partials with partialMs 0, and nothing at all for an empty utterance', async () => {
    const t = new HeldTranscriber();
    const r = new SegmentRecognition(t, { partialMs: 0, engine: 'test' });
    pushMs(r, 2000);
    expect(t.calls).toHaveLength(0);
    const empty = new SegmentRecognition(t, { partialMs: 500, engine: 'test' });
    await expect(empty.finish()).resolves.toMatchObject({ text: '', final: true });
    expect(t.calls).toHaveLength(0);
  });

  it('close() abandons the final request', async () => {
    const t = new HeldTranscriber();
    const r = new SegmentRecognition(t, { partialMs: 0, engine: 'test' });
    pushMs(r, 300);
    const final = r.finish();
    await tick();
    r.close();
    expect(t.calls[0]?.signal.aborted).toBe(true);
    t.calls[0]?.fail(new Error('aborted'));
    await expect(final).rejects.toThrow(/closed before its final/);
  });
});
