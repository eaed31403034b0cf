import { describe, expect, it } from 'vitest';
import { words } from './text-for-speech.js';
import { createHarness, type Harness } from '../testing/index.js';

const ANSWER = 'Your order four two one nine shipped on Monday and it will arrive on Thursday afternoon.';
const MS_PER_CHAR = 60;

/** Words of `text` whose last character was played in `playedMs` of tone audio (60 ms a character). */
function wordsPlayedWithin(text: string, playedMs: number): string {
  const chars = playedMs / MS_PER_CHAR;
  const out: string[] = [];
  let offset = 0;
  for (const w of words(text)) {
    const end = text.indexOf(w, offset) + w.length;
    offset = end;
    if (end <= chars) out.push(w);
    else break;
  }
  return out.join(' ');
}

async function askAndWaitForAudio(h: Harness, waitAfterAudioMs: number) {
  h.session.start();
  await h.say(500);
  while (h.agentFrames.length === 0) await h.silence(20);
  await h.silence(waitAfterAudioMs);
}

describe('barge-in', () => {
  it('stops output within one frame of the decision and keeps only the heard words in history', async () => {
    const h = createHarness({
      script: ['where is my order', 'wait a moment please'],
      replies: [[{ text: ANSWER }]],
    });
    await askAndWaitForAudio(h, 1000);
    await h.say(500);
    const interrupted = h.first('interrupted');
    expect(interrupted).toBeDefined();
    const decisionMs = interrupted?.atMs ?? 0;
    const onset = h.of('user_speech_started')[1]?.atMs ?? 0;
    expect(decisionMs - onset).toBeGreaterThanOrEqual(300);
    expect(decisionMs - onset).toBeLessThan(300 + 100);
    // Nothing emitted after the decision; the last frame started at most one frame before it.
    const lastFrame = h.agentFrames.at(-1)?.startMs ?? 0;
    expect(lastFrame).toBeLessThanOrEqual(decisionMs);
    expect(decisionMs - lastFrame).toBeLessThanOrEqual(20);
    const framesAtDecision = h.agentFrames.length;
    await h.silence(2000);
    // The interruption started a new turn; its reply is new audio, the old reply never resumes.
    const oldFrames = h.agentFrames.slice(0, framesAtDecision);
    const firstPlayedMs = oldFrames[0]?.startMs ?? 0;
    const heardExpected = wordsPlayedWithin(ANSWER, decisionMs - firstPlayedMs);
    expect(heardExpected.length).toBeGreaterThan(0);
    expect(interrupted?.heardText).toBe(heardExpected);
    const history = h.session.history();
    expect(history[1]).toEqual({ role: 'assistant', content: heardExpected });
    expect(history[2]).toEqual({ role: 'user', content: 'wait a moment please' });
    const trace = h.session.traces()[0];
    expect(trace?.interrupted).toBe(true);
    expect(trace?.heardText).toBe(heardExpected);
    expect(trace?.discardedText).toContain('Thursday afternoon.');
    expect(`${trace?.heardText} ${trace?.discardedText}`).toBe(ANSWER);
  });

  it('uses the output latency: words still in the jitter buffer were not heard', async () => {
    const h = createHarness({ script: ['where is my order', 'stop'], replies: [[{ text: ANSWER }]] });
    h.session.setOutputLatencyMs(400);
    await askAndWaitForAudio(h, 1500);
    await h.say(400);
    const interrupted = h.first('interrupted');
    const firstPlayedMs = h.agentFrames[0]?.startMs ?? 0;
    expect(interrupted?.heardText).toBe(
      wordsPlayedWithin(ANSWER, (interrupted?.atMs ?? 0) - 400 - firstPlayedMs),
    );
  });

  it('a 150 ms cough does not interrupt the agent', async () => {
    const h = createHarness({ script: ['where is my order', ''], replies: [[{ text: ANSWER }]] });
    await askAndWaitForAudio(h, 800);
    await h.say(150);
    await h.silence(8000);
    expect(h.of('interrupted')).toHaveLength(0);
    expect(h.of('turn_committed')).toHaveLength(1);
    const done = h.of('reply_done');
    expect(done).toHaveLength(1);
    expect(done[0]?.interrupted).toBe(false);
    expect(h.session.history().at(-1)).toEqual({ role: 'assistant', content: ANSWER });
  });

  it('resumes the unplayed rest after a backchannel ("okay")', async () => {
    const h = createHarness({ script: ['where is my order', 'okay'], replies: [[{ text: ANSWER }]] });
    await askAndWaitForAudio(h, 1000);
    await h.say(400);
    await h.silence(9000);
    const interrupted = h.first('interrupted');
    expect(interrupted).toBeDefined();
    expect(h.of('turn_committed')).toHaveLength(1);
    expect(h.brain.calls).toHaveLength(1);
    const history = h.session.history();
    expect(history).toHaveLength(2);
    expect(history[1]?.content).toBe(`${interrupted?.heardText} ${interrupted?.discardedText}`);
    expect(history[1]?.content.endsWith('Thursday afternoon.')).toBe(true);
  });

  it('treats a backchannel as a new turn when resuming is off', async () => {
    const h = createHarness({
      script: ['where is my order', 'okay'],
      replies: [[{ text: ANSWER }], [{ text: 'Anything else?' }]],
      options: { resumeAfterBackchannel: false },
    });
    await askAndWaitForAudio(h, 1000);
    await h.say(400);
    await h.silence(3000);
    expect(h.of('turn_committed').map((t) => t.text)).toEqual(['where is my order', 'okay']);
    expect(h.session.history().at(-1)).toEqual({ role: 'assistant', content: 'Anything else?' });
  });

  it('a caller speaking over the greeting barges in', async () => {
    const h = createHarness({
      script: ['where is my order'],
      greeting: 'Hello, thanks for calling the parcel line, how can I help you today?',
      options: { greeting: true },
      replies: [[{ text: 'Let me see.' }]],
    });
    h.session.start();
    await h.silence(600);
    expect(h.agentFrames.length).toBeGreaterThan(0);
    await h.say(500);
    await h.silence(2000);
    const interrupted = h.first('interrupted');
    expect(interrupted?.turnId).toBe(0);
    expect(h.session.history()[0]?.content).toBe(interrupted?.heardText);
    expect(h.of('turn_committed').map((t) => t.text)).toEqual(['where is my order']);
  });
});

describe('echo', () => {
  it('the agent hearing its own voice through the mic does not barge in', async () => {
    const h = createHarness({
      script: ['where is my order'],
      replies: [[{ text: ANSWER }]],
      echo: { gain: 0.35, delayMs: 60 },
    });
    await askAndWaitForAudio(h, 0);
    await h.silence(8000);
    expect(h.of('interrupted')).toHaveLength(0);
    expect(h.of('reply_done')[0]?.interrupted).toBe(false);
  });

  it('without the acoustic gate the same leak would have interrupted (the gate is what prevents it)', async () => {
    const h = createHarness({
      script: ['where is my order', ''],
      replies: [[{ text: ANSWER }]],
      echo: { gain: 0.35, delayMs: 60 },
      options: { echoReturnGain: 0 },
    });
    await askAndWaitForAudio(h, 0);
    await h.silence(3000);
    expect(h.of('interrupted')).toHaveLength(1);
  });

  it('a caller quieter than the agent still barges in when there is no echo', async () => {
    const h = createHarness({ script: ['where is my order', 'stop please'], replies: [[{ text: ANSWER }]] });
    await askAndWaitForAudio(h, 600);
    await h.say(500, 0.08);
    expect(h.of('interrupted')).toHaveLength(1);
  });

  it('a caller talking over the echo still barges in', async () => {
    const h = createHarness({
      script: ['where is my order', 'stop please'],
      replies: [[{ text: ANSWER }]],
      echo: { gain: 0.35, delayMs: 60 },
    });
    await askAndWaitForAudio(h, 600);
    await h.say(500);
    expect(h.of('interrupted')).toHaveLength(1);
  });

  it('drops a transcript that repeats what the agent just said', async () => {
    const h = createHarness({
      script: ['where is my order', 'it will arrive on thursday afternoon'],
      replies: [[{ text: ANSWER }], [{ text: 'Should not be said.' }]],
    });
    await askAndWaitForAudio(h, 0);
    while (h.of('reply_done').length === 0) await h.silence(100);
    await h.say(700);
    await h.silence(2000);
    const dropped = h.first('echo_dropped');
    expect(dropped?.similarity).toBeGreaterThanOrEqual(0.9);
    expect(h.of('turn_committed')).toHaveLength(1);
    expect(h.brain.calls).toHaveLength(1);
  });
});

describe('barge-in timing', () => {
  it('"Wait," alone is too short; the interruption counts from the words after the pause', async () => {
    const h = createHarness({
      script: ['where is my order', 'wait can you text me the link'],
      replies: [[{ text: ANSWER }]],
    });
    await askAndWaitForAudio(h, 600);
    await h.say(260); // "Wait,"
    await h.silence(300);
    expect(h.of('interrupted')).toHaveLength(0);
    const onset = h.clock.now();
    await h.say(600); // "can you text me the link"
    const interrupted = h.first('interrupted');
    expect((interrupted?.atMs ?? 0) - onset).toBeGreaterThanOrEqual(300);
    expect((interrupted?.atMs ?? 0) - onset).toBeLessThan(300 + 100);
  });

  it('two separate short knocks do not add up to an interruption', async () => {
    const h = createHarness({ script: ['where is my order', '', ''], replies: [[{ text: ANSWER }]] });
    await askAndWaitForAudio(h, 600);
    await h.say(150);
    await h.silence(400);
    await h.say(150);
    await h.silence(7000);
    expect(h.of('interrupted')).toHaveLength(0);
    expect(h.of('reply_done')[0]?.interrupted).toBe(false);
  });
});
