import { describe, expect, it } from 'vitest';
import type { AudioFrame } from '../../audio/frame.js';
import { VirtualClock } from '../../clock.js';
import { AsyncQueue } from '../../testing/engines/async-queue.js';
import type {
  EngineFallbackEvent,
  RecognizerEngine,
  SessionEngineContext,
  SynthesizerEngine,
} from '../engine.js';
import {
  type Brain,
  type BrainDelta,
  EngineError,
  type Recognition,
  type SpeechFrame,
  type Transcript,
} from '../types.js';
import { brainChain } from './brain.js';
import type { ChainOptions } from './chain.js';
import { recognizerChain } from './recognizer.js';
import { synthesizerChain, unspokenRest } from './synthesizer.js';

const frame = (i: number): AudioFrame => ({
  samples: new Int16Array(320).fill(1000),
  sampleRate: 16_000,
  startMs: i * 20,
});

/** Hears audio by counting it: its transcript says how many ms reached it. Fails on cue. */
function countingEngine(
  name: string,
  o: { refuseSession?: boolean; dropAfterFrames?: number; failFinish?: boolean } = {},
): RecognizerEngine & { opened: number } {
  const engine = {
    name,
    opened: 0,
    async createRecognizer() {
      if (o.refuseSession)
        throw new EngineError(name, 'HTTP 401: invalid key', `check ${name.toUpperCase()}_API_KEY`);
      return {
        open(): Recognition {
          engine.opened++;
          let frames = 0;
          const partials = new AsyncQueue<Transcript>();
          let failed: EngineError | undefined;
          return {
            push() {
              frames++;
              partials.push({ text: `${name} ${frames * 20}`, final: false });
              if (o.dropAfterFrames !== undefined && frames >= o.dropAfterFrames && !failed) {
                failed = new EngineError(name, 'socket closed (1006) mid-utterance');
                partials.end(failed);
              }
            },
            partials: () => partials,
            async finish() {
              if (failed) throw failed;
              if (o.failFinish) throw new EngineError(name, 'timed out waiting for the final');
              partials.end();
              return { text: `${name} heard ${frames * 20} ms`, final: true };
            },
            close() {
              partials.end();
            },
          };
        },
      };
    },
  };
  return engine;
}

function chainOptions(events: EngineFallbackEvent[], retryPrimaryAfterMs = 30_000): ChainOptions {
  return { retryPrimaryAfterMs, report: (e) => events.push(e) };
}

const ctxOn = (clock: VirtualClock): SessionEngineContext => ({ sessionId: 's1', clock });

describe('recognizer chain', () => {
  it('replays the utterance into the next engine when a socket drops mid-utterance, so the turn is heard whole', async () => {
    const events: EngineFallbackEvent[] = [];
    const clock = new VirtualClock();
    const chain = recognizerChain(
      [countingEngine('cloud', { dropAfterFrames: 10 }), countingEngine('embedded')],
      chainOptions(events),
    );
    const recognizer = await chain.createRecognizer({ phrases: [] }, ctxOn(clock));
    const recognition = recognizer.open();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const p of recognition.partials()) seen.push(p.text);
    })();
    for (let i = 0; i < 50; i++) {
      recognition.push(frame(i));
      await Promise.resolve();
    }
    const final = await recognition.finish();
    await reading;
    expect(final.text).toBe('embedded heard 1000 ms');
    expect(seen.some((t) => t.startsWith('cloud'))).toBe(true);
    expect(seen.at(-1)).toMatch(/^embedded/);
    expect(events).toEqual([
      expect.objectContaining({ kind: 'stt', from: 'cloud', to: 'embedded', sessionId: 's1' }),
    ]);
    expect(events[0]?.reason).toContain('socket closed');
  });

  it('hands over at session start when the first engine refuses the key, and names why', async () => {
    const events: EngineFallbackEvent[] = [];
    const chain = recognizerChain(
      [countingEngine('cloud', { refuseSession: true }), countingEngine('embedded')],
      chainOptions(events),
    );
    const recognizer = await chain.createRecognizer({ phrases: [] }, ctxOn(new VirtualClock()));
    const recognition = recognizer.open();
    recognition.push(frame(0));
    expect((await recognition.finish()).text).toBe('embedded heard 20 ms');
    expect(events[0]?.reason).toContain('HTTP 401');
  });

  it('falls over when the final never comes, and stays on the fallback until the retry time has passed', async () => {
    const events: EngineFallbackEvent[] = [];
    const clock = new VirtualClock();
    const cloud = countingEngine('cloud', { failFinish: true });
    const chain = recognizerChain([cloud, countingEngine('embedded')], chainOptions(events, 10_000));
    const recognizer = await chain.createRecognizer({ phrases: [] }, ctxOn(clock));
    const first = recognizer.open();
    for (let i = 0; i < 5; i++) first.push(frame(i));
    expect((await first.finish()).text).toBe('embedded heard 100 ms');
    await clock.advance(5_000);
    const second = recognizer.open();
    second.push(frame(0));
    expect((await second.finish()).text).toBe('embedded heard 20 ms');
    expect(cloud.opened).toBe(1);
    await clock.advance(6_000);
    recognizer.open().close(); // kicks off the retry of the primary
    await clock.advance(1);
    recognizer.open().close();
    expect(cloud.opened).toBe(2);
  });

  it('rejects finish with the last error when every engine fails', async () => {
    const chain = recognizerChain(
      [countingEngine('a', { failFinish: true }), countingEngine('b', { failFinish: true })],
      chainOptions([]),
    );
    const recognizer = await chain.createRecognizer({ phrases: [] }, ctxOn(new VirtualClock()));
    const recognition = recognizer.open();
    recognition.push(frame(0));
    await expect(recognition.finish()).rejects.toThrow(/b: timed out/);
  });
});

/** Speaks one 100 ms frame per word, with timings; fails after `failAfterWords` words. */
function wordEngine(name: string, o: { failAfterWords?: number; refuse?: boolean; timings?: boolean } = {}) {
  const spoken: string[] = [];
  const engine: SynthesizerEngine & { spoken: string[] } = {
    name,
    spoken,
    voices: ['v'],
    defaultVoice: 'v',
    async synthesizer() {
      if (o.refuse) throw new EngineError(name, 'HTTP 401: invalid key');
      return {
        sampleRate: 24_000,
        voice: 'v',
        async *synthesize(text: string): AsyncIterable<SpeechFrame> {
          spoken.push(text);
          const words = text.split(' ');
          for (const [i, word] of words.entries()) {
            if (o.failAfterWords !== undefined && i >= o.failAfterWords) {
              throw new EngineError(name, 'socket closed mid-clause');
            }
            yield {
              samples: new Int16Array(2400),
              sampleRate: 24_000,
              startMs: i * 100,
              ...(o.timings === false ? {} : { words: [{ word, startMs: i * 100, endMs: (i + 1) * 100 }] }),
            };
          }
        },
      };
    },
  };
  return engine;
}

async function speak(engine: SynthesizerEngine, text: string): Promise<SpeechFrame[]> {
  const synthesizer = await engine.synthesizer(undefined, ctxOn(new VirtualClock()));
  const out: SpeechFrame[] = [];
  for await (const f of synthesizer.synthesize(text, new AbortController().signal)) out.push(f);
  return out;
}

describe('synthesizer chain', () => {
  it('goes on from the first unspoken word in the next engine when one fails mid-clause', async () => {
    const events: EngineFallbackEvent[] = [];
    const cloud = wordEngine('cloud', { failAfterWords: 2 });
    const embedded = wordEngine('embedded');
    const frames = await speak(
      synthesizerChain([cloud, embedded], chainOptions(events)),
      'your order ships on monday',
    );
    expect(embedded.spoken).toEqual(['ships on monday']);
    expect(frames.every((f) => f.sampleRate === 16_000)).toBe(true);
    // Timings continue on the clause's timeline after the handover.
    const words = frames.flatMap((f) => f.words ?? []);
    expect(words.map((w) => w.word)).toEqual(['your', 'order', 'ships', 'on', 'monday']);
    expect(words[2]?.startMs).toBeCloseTo(200, 0);
    expect(events).toEqual([expect.objectContaining({ kind: 'tts', from: 'cloud', to: 'embedded' })]);
  });

  it('uses the next engine from the start when the first refuses the session', async () => {
    const events: EngineFallbackEvent[] = [];
    const embedded = wordEngine('embedded');
    await speak(
      synthesizerChain([wordEngine('cloud', { refuse: true }), embedded], chainOptions(events)),
      'hello there',
    );
    expect(embedded.spoken).toEqual(['hello there']);
    expect(events[0]?.reason).toContain('401');
  });

  it('estimates the words spoken when the failing engine gave no timings, never skipping one', () => {
    expect(unspokenRest('your order ships on monday', 0, [])).toBe('your order ships on monday');
    // 11 characters at ~65 ms each: "your order" surely spoken.
    expect(unspokenRest('your order ships on monday', 11 * 65 + 1, [])).toBe('ships on monday');
    expect(unspokenRest('your order ships on monday', 5 * 65, [])).toBe('order ships on monday');
  });
});

function failingBrain(name: string, afterText?: string): Brain {
  return {
    name,
    async *respond(): AsyncIterable<BrainDelta> {
      if (afterText) yield { type: 'text', text: afterText };
      throw new EngineError(name, 'HTTP 429: rate limited');
    },
  };
}

const answering: Brain = {
  name: 'agent',
  async *respond() {
    yield { type: 'text', text: 'Order 4219 is on its way.' };
  },
};

describe('brain chain', () => {
  const agent = { name: 'package-tracker' };
  const engineOf = (brain: Brain) => ({ name: brain.name, createBrain: () => brain });

  it('asks the next brain when the first fails before saying anything', async () => {
    const events: EngineFallbackEvent[] = [];
    const chain = brainChain([engineOf(failingBrain('openai')), engineOf(answering)], chainOptions(events));
    const brain = chain.createBrain(agent, ctxOn(new VirtualClock()));
    const out: BrainDelta[] = [];
    for await (const d of brain.respond({ messages: [], tools: [] }, new AbortController().signal))
      out.push(d);
    expect(out).toEqual([{ type: 'text', text: 'Order 4219 is on its way.' }]);
    expect(events[0]).toMatchObject({ kind: 'brain', from: 'openai', to: 'agent' });
  });

  it('lets a failure stand once words went out (no second voice finishing the sentence)', async () => {
    const chain = brainChain(
      [engineOf(failingBrain('openai', 'Your order')), engineOf(answering)],
      chainOptions([]),
    );
    const brain = chain.createBrain(agent, ctxOn(new VirtualClock()));
    const consume = async () => {
      for await (const _ of brain.respond({ messages: [], tools: [] }, new AbortController().signal)) {
        // drain
      }
    };
    await expect(consume()).rejects.toThrow(/429/);
  });
});
