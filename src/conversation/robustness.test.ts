import { describe, expect, it } from 'vitest';
import { createHarness } from '../testing/index.js';

describe('robustness', () => {
  it('a failing brain gets an error event and an apology; the next turn works', async () => {
    const h = createHarness({
      script: ['where is my order', 'where is my order'],
      replies: [[{ text: 'Checking' }, { fail: 'upstream 503' }], [{ text: 'It is on its way.' }]],
    });
    h.session.start();
    await h.say(500);
    await h.silence(6000);
    expect(h.first('error')?.message).toMatch(/brain: upstream 503/);
    await h.say(500);
    await h.silence(3000);
    expect(h.session.history().at(-1)).toEqual({ role: 'assistant', content: 'It is on its way.' });
    expect(h.session.state).toBe('listening');
  });

  it('speaks an apology when the brain fails before saying anything', async () => {
    const h = createHarness({ script: ['where is my order'], replies: [[{ fail: 'connection refused' }]] });
    h.session.start();
    await h.say(500);
    await h.silence(6000);
    expect(h.session.traces()[0]?.heardText).toMatch(/^Sorry/);
    expect(h.agentFrames.length).toBeGreaterThan(0);
  });

  it('a recognizer failure asks the caller once to repeat, and the session keeps listening', async () => {
    const h = createHarness({ script: [{ text: 'lost', error: 'decoder crashed' }, 'where is my order'] });
    h.session.start();
    await h.say(500);
    await h.silence(3000);
    expect(h.first('error')?.message).toMatch(/recognizer: decoder crashed/);
    expect(h.of('turn_committed')).toHaveLength(0);
    expect(h.agentFrames.length).toBeGreaterThan(0);
    const said = h.session.history().at(-1);
    expect(said?.role).toBe('assistant');
    expect(said?.content).toMatch(/missed that/);
    await h.say(500);
    await h.silence(2000);
    expect(h.of('turn_committed').map((t) => t.text)).toEqual(['where is my order']);
  });

  it('a synthesizer failure on one clause reports it and plays the rest', async () => {
    const h = createHarness({
      script: ['where is my order'],
      synth: { failOn: 'BROKEN' },
      replies: [[{ text: 'First part BROKEN, second part.' }]],
    });
    h.session.start();
    await h.say(500);
    await h.silence(4000);
    expect(h.first('error')?.message).toMatch(/synthesizer/);
    expect(h.agentFrames.length).toBeGreaterThan(0);
    expect(h.of('reply_done')).toHaveLength(1);
  });

  it('refuses malformed frames with an error and survives', async () => {
    const h = createHarness({ script: ['where is my order'] });
    h.session.start();
    const bad: unknown[] = [
      { samples: new Float32Array(320), sampleRate: 16_000, startMs: 0 },
      { samples: new Int16Array(960), sampleRate: 48_000, startMs: 0 },
      { samples: new Int16Array(0), sampleRate: 16_000, startMs: 0 },
      { samples: new Int16Array(320), sampleRate: 16_000, startMs: Number.NaN },
      null,
    ];
    for (const frame of bad) h.session.pushAudio(frame as never);
    const errors = h.of('error').map((e) => e.message);
    expect(errors).toHaveLength(5);
    expect(errors[0]).toMatch(/Int16Array/);
    expect(errors[1]).toMatch(/48000 Hz/);
    await h.say(500);
    await h.silence(2000);
    expect(h.of('turn_committed')).toHaveLength(1);
  });

  it('close() stops the agent mid-sentence and ends the event stream', async () => {
    const h = createHarness({
      script: ['where is my order'],
      replies: [[{ text: 'A long answer that keeps going and going.' }]],
    });
    h.session.start();
    await h.say(500);
    while (h.agentFrames.length === 0) await h.silence(20);
    await h.session.close('caller hung up');
    const frames = h.agentFrames.length;
    await h.silence(3000);
    expect(h.agentFrames.length).toBe(frames);
    expect(h.events.at(-1)).toMatchObject({ type: 'ended', reason: 'caller hung up' });
    expect(h.session.state).toBe('ended');
  });
});

describe('idle check-in', () => {
  it('checks in once after idleCheckInMs of caller silence', async () => {
    const h = createHarness({ script: ['yes i am'], options: { idleCheckInMs: 3000 } });
    h.session.start();
    await h.silence(2900);
    expect(h.of('reply_started')).toHaveLength(0);
    await h.silence(200);
    expect(h.of('reply_started')).toHaveLength(1);
    await h.silence(12_000);
    expect(h.of('reply_started')).toHaveLength(1);
    expect(h.session.history()).toEqual([{ role: 'assistant', content: 'Are you still there?' }]);
    // Speaking re-arms it.
    await h.say(500);
    await h.silence(6000);
    expect(h.of('reply_done').map((d) => d.text)).toEqual([
      'Are you still there?',
      'Okay.',
      'Are you still there?',
    ]);
  });
});

describe('pipelines', () => {
  const answer =
    'Your parcel left the depot this morning, it should reach you by six, the driver will call ahead.';

  async function run(pipeline: 'streaming' | 'sequential') {
    const h = createHarness({
      script: ['where is my order'],
      replies: [[{ text: answer }]],
      options: { pipeline, fillerAfterMs: 60_000 },
      synth: { sampleRate: 22_050 },
    });
    h.session.start();
    await h.say(500);
    await h.silence(9000);
    return h;
  }

  it('sequential says the same as streaming, only later', async () => {
    const streaming = await run('streaming');
    const sequential = await run('sequential');
    const s = streaming.session.traces()[0];
    const q = sequential.session.traces()[0];
    expect(q?.heardText).toBe(answer);
    expect(s?.heardText).toBe(answer);
    expect(q?.ttfaMs).toBeGreaterThan((s?.ttfaMs ?? 0) + 100);
    // Resampled from 22.05 kHz: about 60 ms of audio per character either way.
    const spokenChars = streaming.of('clause').reduce((n, c) => n + c.text.length, 0);
    expect(Math.abs(streaming.agentFrames.length - (spokenChars * 60) / 20)).toBeLessThan(6);
    expect(sequential.agentFrames.length).toBe(streaming.agentFrames.length);
  });
});

describe('text turns (keyed digits, typed messages)', () => {
  it('answers a text turn like a spoken one, and cuts in over a reply that is playing', async () => {
    const h = createHarness({
      script: ['tell me everything'],
      replies: [
        [{ text: 'Here is a long answer that goes on and on about many things for a good while.' }],
        [{ text: 'Order 4219 is in transit.' }],
      ],
    });
    h.session.start();
    await h.say(500);
    await h.silence(1500);
    expect(h.session.state).toBe('agent_speaking');
    h.session.submitText(' 4219 ');
    await h.silence(2000);
    expect(h.of('interrupted')).toHaveLength(1);
    expect(h.of('turn_committed').map((t) => t.text)).toEqual(['tell me everything', '4219']);
    expect(h.of('reply_done').at(-1)?.text).toBe('Order 4219 is in transit.');
    expect(
      h.session
        .history()
        .filter((m) => m.role === 'user')
        .map((m) => m.content),
    ).toEqual(['tell me everything', '4219']);
  });

  it('ignores an empty text turn', async () => {
    const h = createHarness({ script: [] });
    h.session.start();
    h.session.submitText('   ');
    await h.silence(500);
    expect(h.of('turn_committed')).toHaveLength(0);
  });
});

describe('client instructions', () => {
  it("join the agent's persona in what the brain is given, from the next turn on, and can be removed", async () => {
    const h = createHarness({
      script: ['where is my order', 'and now'],
      replies: [[{ text: 'Okay.' }], [{ text: 'Sure.' }]],
    });
    h.session.start();
    h.session.setInstructions?.('Answer in one short sentence.');
    await h.say(500);
    await h.silence(2000);
    const system = () => h.brain.calls.at(-1)?.ctx.messages[0]?.content ?? '';
    expect(system()).toContain('Answer in one short sentence.');
    h.session.setInstructions?.('');
    await h.say(500);
    await h.silence(2000);
    expect(h.brain.calls).toHaveLength(2);
    expect(system()).not.toContain('Answer in one short sentence.');
  });
});
