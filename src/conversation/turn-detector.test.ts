import { describe, expect, it } from 'vitest';
import type { Completeness } from './completeness.js';
import { resolveOptions } from './options.js';
import { type TurnSignal, TurnDetector } from './turn-detector.js';
import type { TurnWords } from './turn-words.js';

const RESTAURANT: TurnWords = { requestWords: ['book'], numberCues: ['booking'] };
const WINDOW_MS = 32;

/** `speechMs` of speech, then silence until a commit (or 3 s): the commit's silence and judgement. */
function pauseAfter(text: string, words?: TurnWords, speechMs = 640) {
  const detector = new TurnDetector(resolveOptions(), words);
  const signals: TurnSignal[] = [];
  for (let t = 0; t < speechMs + 3000; t += WINDOW_MS) {
    const speech = t < speechMs;
    signals.push(
      ...detector.push({ probability: speech ? 0.9 : 0, startMs: t, durationMs: WINDOW_MS, levelDb: -20 }),
    );
    if (speech) detector.text = text;
    const commit = signals.find((s) => s.type === 'commit');
    if (commit) return { completeness: commit.completeness, silenceMs: commit.silenceMs };
  }
  return undefined;
}

describe('TurnDetector', () => {
  const { completeSilenceMs, silenceMs, maxSilenceMs } = resolveOptions();
  /** The pause each judgement waits for before committing, [at least, below]. */
  const WAITS: Record<Completeness, [number, number]> = {
    complete: [completeSilenceMs, silenceMs],
    unknown: [silenceMs, maxSilenceMs],
    incomplete: [maxSilenceMs, maxSilenceMs + 2 * WINDOW_MS],
  };
  /** What the caller said before pausing, whose words judged it, and the judgement. */
  const ROWS: { text: string; agent: 'core' | 'restaurant'; judged: Completeness }[] = [
    { text: 'where is my table', agent: 'core', judged: 'complete' },
    { text: 'i have a reservation', agent: 'core', judged: 'unknown' },
    { text: 'my number is four two', agent: 'core', judged: 'incomplete' },
    { text: 'my booking is forty human', agent: 'core', judged: 'unknown' },
    { text: 'my booking is forty human', agent: 'restaurant', judged: 'incomplete' },
  ];
  it.each(ROWS)('$text is $judged with $agent words', ({ text, agent, judged }) => {
    const commit = pauseAfter(text, agent === 'restaurant' ? RESTAURANT : undefined);
    expect(commit?.completeness).toBe(judged);
    expect(commit?.silenceMs).toBeGreaterThanOrEqual(WAITS[judged][0]);
    expect(commit?.silenceMs).toBeLessThan(WAITS[judged][1]);
  });
});
