import { describe, expect, it } from 'vitest';
import { createHarness } from '../testing/index.js';

describe('turn taking', () => {
  it('does not answer a caller pausing mid-number ("four two … one nine")', async () => {
    const h = createHarness({
      script: ['my order number is four two one nine'],
      replies: [[{ text: 'Thanks.' }]],
    });
    h.session.start();
    await h.silence(200);
    await h.say(600); // "my order number is four two"
    await h.silence(600);
    expect(h.of('turn_committed')).toHaveLength(0);
    expect(h.of('reply_started')).toHaveLength(0);
    await h.say(200); // "one nine"
    await h.silence(1200);
    const commits = h.of('turn_committed');
    expect(commits.map((c) => c.text)).toEqual(['my order number is four two one nine']);
    expect(h.of('reply_started')).toHaveLength(1);
    expect(h.session.history()[0]).toEqual({ role: 'user', content: 'my order number is four two one nine' });
  });

  it('a recognizer decoding behind the speech does not commit "where is my order" before the last digit (bug: "four two one" under load)', async () => {
    const h = createHarness({
      script: [{ text: 'where is my order four two one nine', decodeLagMs: 600 }],
      replies: [[{ text: 'Thanks.' }]],
    });
    h.session.start();
    await h.silence(200);
    await h.say(700); // "where is my order four two one", decoded 600 ms late
    // A pause before the last digit, while the words decoded so far read "where is my order".
    await h.silence(350);
    expect(h.of('turn_committed')).toHaveLength(0);
    await h.say(100); // "nine"
    await h.silence(2000);
    expect(h.of('turn_committed').map((c) => c.text)).toEqual(['where is my order four two one nine']);
    expect(h.of('reply_started')).toHaveLength(1);
  });

  it('a turn keyed while the caller is speaking keeps its own turn id (bug: two turns recorded as one id)', async () => {
    const h = createHarness({
      script: ['hold on a second'],
      replies: [[{ text: 'Order 4219 is on its way.' }], [{ text: 'Sure.' }]],
    });
    h.session.start();
    await h.silence(200);
    await h.say(200);
    h.session.submitText('4219');
    await h.say(200);
    await h.silence(2500);
    const commits = h.of('turn_committed');
    expect(commits.map((c) => c.text).sort()).toEqual(['4219', 'hold on a second']);
    expect(new Set(commits.map((c) => c.turnId)).size).toBe(2);
    const spoken = commits.find((c) => c.text === 'hold on a second');
    const started = h.of('transcript_final').find((e) => e.text === 'hold on a second');
    expect(started?.turnId).toBe(spoken?.turnId);
  });

  it('answers a complete question before silenceMs, and waits silenceMs for an undecided statement', async () => {
    const question = createHarness({ script: ['where is my order'] });
    question.session.start();
    await question.say(500);
    await question.silence(1000);
    const q = question.first('turn_committed');
    const qEnd = question.first('user_speech_stopped');
    expect(q?.reason).toBe('complete');
    expect((q?.atMs ?? 0) - (qEnd?.atMs ?? 0)).toBeLessThan(300);

    const statement = createHarness({ script: ['i have a parcel'] });
    statement.session.start();
    await statement.say(500);
    await statement.silence(1000);
    const s = statement.first('turn_committed');
    const sEnd = statement.first('user_speech_stopped');
    expect(s?.reason).toBe('silence');
    expect((s?.atMs ?? 0) - (sEnd?.atMs ?? 0)).toBeGreaterThanOrEqual(300);
  });

  it('replies with paced 20 ms frames and records every mark of the turn', async () => {
    const h = createHarness({
      script: ['where is my order'],
      replies: [[{ text: 'It shipped on Monday, it arrives today.' }]],
    });
    h.session.start();
    await h.say(500);
    await h.silence(4000);
    const trace = h.session.traces()[0];
    expect(trace?.agentText).toBe('It shipped on Monday, it arrives today.');
    expect(trace?.heardText).toBe(trace?.agentText);
    const m = trace?.marks ?? {};
    for (const key of [
      'speechEnd',
      'committed',
      'sttFinal',
      'brainFirstToken',
      'firstClause',
      'ttsFirstAudio',
      'playoutStart',
    ] as const) {
      expect(m[key], key).toBeTypeOf('number');
    }
    expect(trace?.ttfaMs).toBe((m.playoutStart ?? 0) - (m.speechEnd ?? 0));
    const starts = h.agentFrames.map((f) => f.startMs);
    expect(h.agentFrames.every((f) => f.samples.length === 320 && f.sampleRate === 16_000)).toBe(true);
    for (let i = 1; i < starts.length; i++)
      expect((starts[i] as number) - (starts[i - 1] as number)).toBeGreaterThanOrEqual(20);
    expect(h.of('clause').map((c) => c.text)).toEqual(['It shipped on Monday,', 'it arrives today.']);
    expect(h.of('usage')[0]?.ttsChars).toBe('It shipped on Monday,'.length + 'it arrives today.'.length);
    expect(h.session.state).toBe('listening');
  });

  it('a caller who goes on talking before hearing the answer extends the same turn', async () => {
    const h = createHarness({
      script: ['where is my order', 'number four two one nine'],
      brainFirstTokenMs: 600,
      options: { fillerAfterMs: 5000 },
      replies: [[{ text: 'Let me see.' }], [{ text: 'Order 4219 is on its way.' }]],
    });
    h.session.start();
    await h.say(500);
    await h.silence(300); // long enough for "where is my order" to commit as a complete question
    expect(h.of('turn_committed')).toHaveLength(1);
    await h.say(600);
    await h.silence(4000);
    expect(h.brain.calls[0]?.aborted).toBe(true);
    expect(h.session.history()).toEqual([
      { role: 'user', content: 'where is my order number four two one nine' },
      { role: 'assistant', content: 'Order 4219 is on its way.' },
    ]);
    const lastUser = h.brain.calls[1]?.ctx.messages.at(-1);
    expect(lastUser).toEqual({ role: 'user', content: 'where is my order number four two one nine' });
    expect(h.session.traces().map((t) => t.userText)).toEqual(['where is my order number four two one nine']);
  });

  it('a cough while the agent is thinking does not cost the answer', async () => {
    const h = createHarness({
      script: ['where is my order', ''],
      brainFirstTokenMs: 600,
      options: { fillerAfterMs: 5000 },
      replies: [[{ text: 'It is on its way.' }]],
    });
    h.session.start();
    await h.say(500);
    await h.silence(300);
    await h.say(150);
    await h.silence(4000);
    expect(h.of('interrupted')).toHaveLength(0);
    expect(h.session.history()).toEqual([
      { role: 'user', content: 'where is my order' },
      { role: 'assistant', content: 'It is on its way.' },
    ]);
  });

  it('a client report of when audio became audible refines TTFA', async () => {
    const h = createHarness({ script: ['where is my order'], replies: [[{ text: 'On its way.' }]] });
    h.session.start();
    await h.say(500);
    await h.silence(2000);
    const trace = h.session.traces()[0];
    const playoutStart = trace?.marks.playoutStart ?? 0;
    h.session.reportHeard(trace?.turnId ?? -1, playoutStart + 120);
    const refined = h.session.traces()[0];
    expect(refined?.marks.heardStart).toBe(playoutStart + 120);
    expect(refined?.ttfaMs).toBe(playoutStart + 120 - (refined?.marks.speechEnd ?? 0));
  });

  it('a long noise that cancelled the unheard answer gets the answer restarted', async () => {
    const h = createHarness({
      script: ['where is my order', ''],
      brainFirstTokenMs: 600,
      options: { fillerAfterMs: 5000 },
      replies: [[{ text: 'It is on its way.' }]],
    });
    h.session.start();
    await h.say(500);
    await h.silence(300);
    await h.say(450); // a chair scraping: long enough to cancel, but no words
    await h.silence(5000);
    expect(h.of('interrupted')).toHaveLength(1);
    expect(h.brain.calls).toHaveLength(2);
    expect(h.session.history()).toEqual([
      { role: 'user', content: 'where is my order' },
      { role: 'assistant', content: 'It is on its way.' },
    ]);
    expect(h.session.traces()).toHaveLength(1);
  });
});

describe('regression: premature reply to a preamble ("I\'m calling about my order." … "The order number is …")', () => {
  /** The caller's voice fades over the last syllable, as at the end of a finished sentence. */
  async function sayFading(h: ReturnType<typeof createHarness>, ms: number) {
    await h.say(ms - 100);
    await h.say(100, 0.05);
  }

  it('waits through a short breath after a topic announcement and commits one turn', async () => {
    const h = createHarness({
      script: ["i'm calling about my order the order number is four two one nine"],
      replies: [[{ text: 'Let me look that up.' }]],
    });
    h.session.start();
    await h.silence(200);
    await sayFading(h, 500); // "i'm calling about my order", falling like a finished sentence
    await h.silence(240); // a short breath: longer than completeSilenceMs, shorter than silenceMs
    expect(h.of('turn_committed')).toHaveLength(0);
    expect(h.of('reply_started')).toHaveLength(0);
    await h.say(800); // "the order number is four two one nine"
    await h.silence(2000);
    expect(h.of('turn_committed').map((c) => c.text)).toEqual([
      "i'm calling about my order the order number is four two one nine",
    ]);
    expect(h.of('reply_started')).toHaveLength(1);
  });

  for (const preamble of ['i have a question about my package', 'so about my order']) {
    it(`"${preamble}" waits silenceMs, not completeSilenceMs`, async () => {
      const h = createHarness({ script: [preamble] });
      h.session.start();
      await sayFading(h, 700);
      await h.silence(1000);
      const commit = h.first('turn_committed');
      const end = h.first('user_speech_stopped');
      expect(commit?.reason).toBe('silence');
      expect((commit?.atMs ?? 0) - (end?.atMs ?? 0)).toBeGreaterThanOrEqual(300);
    });
  }

  for (const request of ['where is my order', 'cancel my order', 'yes']) {
    it(`a real request ("${request}") still commits early`, async () => {
      const h = createHarness({ script: [request] });
      h.session.start();
      await sayFading(h, 500);
      await h.silence(1000);
      const commit = h.first('turn_committed');
      const end = h.first('user_speech_stopped');
      expect(commit?.reason).toBe('complete');
      expect((commit?.atMs ?? 0) - (end?.atMs ?? 0)).toBeLessThan(300);
    });
  }
});
