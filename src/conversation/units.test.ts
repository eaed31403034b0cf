import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../clock.js';
import { BargeInDetector } from './barge-in.js';
import { ClauseBuffer } from './clause-buffer.js';
import {
  endingFalls,
  isAffirmative,
  isPreamble,
  isBackchannel,
  judgeCompleteness,
  lexicalCompleteness,
  spokenDigits,
} from './completeness.js';
import { echoSimilarity } from './echo-guard.js';
import { Playout } from './playout.js';
import { StablePrefix } from './stable-prefix.js';
import { textForSpeech } from './text-for-speech.js';
import type { TurnWords } from './turn-words.js';

/** A parcel agent's words (the package tracker's kind); the core knows none of them. */
const PARCELS: TurnWords = { requestWords: ['cancel', 'track', 'refund'], numberCues: ['order', 'postcode'] };
/** A restaurant agent's words. */
const RESTAURANT: TurnWords = { requestWords: ['book', 'reserve'], numberCues: ['Table', 'booking'] };
/** Levels of a sentence that fades at the end, as finished sentences do. */
const FADING = [-20, -20, -21, -20, -19, -20, -30, -34];

describe('ClauseBuffer', () => {
  it('flushes on punctuation, keeps decimals whole and never splits a word', () => {
    const buffer = new ClauseBuffer(30);
    const out: string[] = [];
    for (const piece of ['It costs 3', '.5 dollars', ', and ', 'ships today', '. Thanks!', ' Bye'])
      out.push(...buffer.push(piece));
    out.push(...buffer.flush());
    expect(out).toEqual(['It costs 3.5 dollars,', 'and ships today.', 'Thanks!', 'Bye']);
    const long = new ClauseBuffer(20);
    const parts = [
      ...long.push('supercalifragilistic words keep coming without any pause at all'),
      ...long.flush(),
    ];
    expect(parts.every((p) => !p.includes('  '))).toBe(true);
    expect(parts.join(' ')).toBe('supercalifragilistic words keep coming without any pause at all');
    expect(parts.slice(0, -1).every((p) => p.length <= 21 || !p.includes(' '))).toBe(true);
  });

  it('strips markdown and emoji before speaking', () => {
    expect(textForSpeech('**Order 4219** is _on its way_ 🚚! See [the link](http://x).')).toBe(
      'Order 4219 is on its way! See the link.',
    );
    expect(textForSpeech('- first\n- second')).toBe('first second');
  });
});

describe('completeness', () => {
  it('hears an unfinished number, a dangling word, a question and a plain yes', () => {
    expect(lexicalCompleteness('my order number is four two')).toBe('incomplete');
    expect(lexicalCompleteness('my order number is')).toBe('incomplete');
    expect(lexicalCompleteness('i want to track it and')).toBe('incomplete');
    expect(lexicalCompleteness('where is my order number four two one nine')).toBe('complete');
    expect(lexicalCompleteness('yes')).toBe('complete');
    expect(lexicalCompleteness('i have a parcel')).toBe('unknown');
    // Regression: the recognizer heard "four two" as "forty human" and the agent answered mid-number.
    expect(lexicalCompleteness('my order number is forty human')).toBe('incomplete');
    expect(lexicalCompleteness('my order is forty two', PARCELS)).toBe('incomplete');
    expect(lexicalCompleteness('my order is forty human', PARCELS)).toBe('incomplete');
    expect(lexicalCompleteness('my order number is forty two nineteen')).toBe('unknown');
    expect(lexicalCompleteness('cancel order four two one nine', PARCELS)).toBe('unknown');
    expect(lexicalCompleteness('my order number is forty you one nine')).toBe('unknown');
    expect(lexicalCompleteness('where is my order')).toBe('complete');
    for (const p of ["i'm calling about my order", 'i have a question about my package', 'so about my order'])
      expect(isPreamble(p), p).toBe(true);
    for (const r of [
      'where is my order',
      'cancel my order',
      'yes',
      "i'm calling about order four two one nine",
      "i'm calling because my parcel hasn't arrived",
      'i have a question can you check my order',
    ])
      expect(isPreamble(r), r).toBe(false);
    expect(isPreamble("i'm calling to cancel my order", PARCELS)).toBe(false);
  });

  it("takes the agent's words for requests and number cues; the core knows only general ones", () => {
    // "number" is general English: the caller is still reading it out, whatever the agent.
    expect(lexicalCompleteness('my order number is four two')).toBe('incomplete');
    expect(lexicalCompleteness('my order number is forty human')).toBe('incomplete');
    // A postcode is a parcel agent's thing: without its cue a stray word ends the number…
    expect(lexicalCompleteness('my postcode is forty human')).toBe('unknown');
    expect(lexicalCompleteness('my postcode is forty human', PARCELS)).toBe('incomplete');
    expect(lexicalCompleteness('my postcode is forty human', RESTAURANT)).toBe('unknown');
    // …though a short run of digits at the end is unfinished in any domain.
    expect(lexicalCompleteness('my postcode is four two')).toBe('incomplete');
    // A restaurant agent's cues (any case) work the same way.
    expect(lexicalCompleteness('my booking is forty human', RESTAURANT)).toBe('incomplete');
    expect(lexicalCompleteness('my booking is forty human')).toBe('unknown');
    expect(lexicalCompleteness('table forty two', RESTAURANT)).toBe('incomplete');
    expect(lexicalCompleteness('table forty two nineteen', RESTAURANT)).toBe('unknown');
    // Its request words make a topic announcement a request of its own.
    expect(isPreamble("i'm calling to book a table for tonight")).toBe(true);
    expect(isPreamble("i'm calling to book a table for tonight", RESTAURANT)).toBe(false);
    expect(isPreamble("i'm calling to cancel my order")).toBe(true);
    expect(isPreamble("i'm calling to cancel my order", RESTAURANT)).toBe(true);
    expect(judgeCompleteness("i'm calling to book a table", FADING)).toBe('unknown');
    expect(judgeCompleteness("i'm calling to book a table", FADING, RESTAURANT)).toBe('complete');
  });

  it('a fading ending counts as finished, a cut at full level does not', () => {
    expect(endingFalls(FADING)).toBe(true);
    expect(endingFalls([-20, -20, -21, -20, -19, -20, -20, -21])).toBe(false);
  });

  it('tells backchannels and confirmations apart', () => {
    for (const b of ['mhm', 'okay', 'right', 'uh huh', 'yeah']) expect(isBackchannel(b), b).toBe(true);
    expect(isBackchannel('okay cancel it')).toBe(false);
    for (const y of ['yes', 'yeah', 'yes please', 'correct', 'go ahead', 'do it', 'Yes, please.']) {
      expect(isAffirmative(y), y).toBe(true);
    }
    for (const y of ['yes cancel it', 'Yes, cancel order four two one nine.', 'yeah send it'])
      expect(isAffirmative(y), y).toBe(true);
    for (const n of [
      'no',
      'no thanks',
      'wait',
      'yes but not that one',
      "yes don't cancel it",
      'yes wait',
      'yes where is it',
      'what is the status',
      'cancel order four two one nine',
    ])
      expect(isAffirmative(n), n).toBe(false);
  });
});

describe('spokenDigits', () => {
  it('counts the digits a caller reads out', () => {
    expect(spokenDigits(['four', 'two', 'one', 'nine'])).toBe(4);
    expect(spokenDigits(['forty', 'two'])).toBe(2);
    expect(spokenDigits(['forty', 'two', 'nineteen'])).toBe(4);
    expect(spokenDigits(['double', 'seven', 'oh', 'three'])).toBe(4);
    expect(spokenDigits(['4219'])).toBe(4);
  });
});

describe('StablePrefix', () => {
  it('marks words stable once two partials agree, and drops revised ones', () => {
    const s = new StablePrefix();
    expect(s.update('where').stableText).toBe('');
    expect(s.update('where is').stableText).toBe('where');
    expect(s.update('where is my').stableText).toBe('where is');
    expect(s.update('where is my order').stableText).toBe('where is my');
    expect(s.update('wear is my order').stableText).toBe('');
  });
});

describe('echo similarity', () => {
  it('matches a piece of recent agent speech, not an unrelated answer', () => {
    const agent = 'Your order shipped on Monday and it will arrive on Thursday afternoon.';
    expect(echoSimilarity('it will arrive on thursday afternoon', agent)).toBe(1);
    expect(echoSimilarity('it will arrive on thursday', agent)).toBe(1);
    expect(echoSimilarity('can you send me the tracking link', agent)).toBeLessThan(0.5);
  });
});

describe('Playout', () => {
  it('paces frames to start + n*20 deadlines, flushes at once, and maps played samples to words', async () => {
    const clock = new VirtualClock(1000);
    const emitted: number[] = [];
    const playout = new Playout({ clock, emit: (f) => emitted.push(f.startMs) });
    const clause = playout.openClause('one two three four');
    clause.push(new Int16Array(16_000)); // one second for 18 characters
    clause.end();
    await clock.advance(499);
    expect(emitted[0]).toBe(1000);
    expect(emitted.every((t, i) => t === 1000 + i * 20)).toBe(true);
    expect(emitted).toHaveLength(25);
    playout.flush();
    await clock.advance(1000);
    expect(emitted).toHaveLength(25);
    // 500 ms of 1000 → 9 of 18 characters: "one two" (7) fully, "three" (13) not yet.
    expect(playout.split(1500).heard).toBe('one two');
    expect(playout.split(1500).discarded).toBe('three four');
    expect(playout.split(1300).heard).toBe('one');
  });

  it('keeps exactly the words played when the synthesizer reports word timings, where the estimate would not', async () => {
    const clock = new VirtualClock(1000);
    const playout = new Playout({ clock, emit: () => {} });
    // A long first word: by characters, 690 ms of 1000 would count "extraordinarily" heard.
    const clause = playout.openClause('extraordinarily slow words');
    clause.push(new Int16Array(8000), [{ word: 'extraordinarily', startMs: 0, endMs: 700 }]);
    clause.push(new Int16Array(8000), [
      { word: 'slow', startMs: 700, endMs: 850 },
      { word: 'words', startMs: 850, endMs: 1000 },
    ]);
    clause.end();
    await clock.advance(1000);
    expect(playout.split(1690).heard).toBe('');
    expect(playout.split(1690).discarded).toBe('extraordinarily slow words');
    expect(playout.split(1860).heard).toBe('extraordinarily slow');
  });

  it('scales timings that split words differently from the text (a number read digit by digit)', async () => {
    const clock = new VirtualClock(0);
    const playout = new Playout({ clock, emit: () => {} });
    const clause = playout.openClause('order 4219 shipped');
    const digits = ['order', 'four', 'two', 'one', 'nine', 'shipped'];
    clause.push(
      new Int16Array(19_200),
      digits.map((word, i) => ({ word, startMs: i * 200, endMs: (i + 1) * 200 })),
    );
    clause.end();
    await clock.advance(1200);
    // Three of six spoken words ended: half the text's words, rounded down.
    expect(playout.split(650).heard).toBe('order');
    expect(playout.split(1000).heard).toBe('order 4219');
  });

  it('plays a bridging phrase ahead of clauses that have not started', async () => {
    const clock = new VirtualClock();
    const order: string[] = [];
    const playout = new Playout({ clock, emit: () => {}, onClausePlayed: (c) => order.push(c.text) });
    const answer = playout.openClause('answer');
    const filler = playout.openClause('filler', { front: true, filler: true });
    filler.push(new Int16Array(320));
    filler.end();
    answer.push(new Int16Array(640));
    answer.end();
    playout.close();
    await clock.advance(200);
    await playout.done;
    expect(order).toEqual(['filler', 'answer']);
  });
});

describe('BargeInDetector', () => {
  it('dates a run from its rising edge, so a soft onset does not delay the interruption', () => {
    const detector = new BargeInDetector(300);
    // 32 ms windows: two rising (half-confident) windows, then confident speech.
    expect(detector.push(false, 0, 32, true)).toBe(false);
    expect(detector.push(false, 32, 32, true)).toBe(false);
    let firedAt: number | undefined;
    for (let t = 64; t < 640 && firedAt === undefined; t += 32)
      if (detector.push(true, t, 32)) firedAt = t + 32;
    expect(firedAt).toBe(320);
  });

  it('never fires on short sounds, however they line up', () => {
    const detector = new BargeInDetector(300);
    let fired = false;
    for (let t = 0; t < 5000; t += 32) {
      const inCough = t % 1000 < 160; // 160 ms sounds, once a second
      fired ||= detector.push(inCough, t, 32, inCough);
    }
    expect(fired).toBe(false);
  });
});
