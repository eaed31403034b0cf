import type { TurnWords } from '../../index.js';

/**
 * The package tracker's words for the end-of-turn judgement, on top of the core's general ones
 * (question words, negated auxiliaries, "number").
 */
export const PACKAGE_TRACKER_TURN_WORDS: TurnWords = {
  /** What callers ask for or complain about: "I'm calling to cancel my order" is no mere preamble. */
  requestWords: [
    'cancel',
    'track',
    'change',
    'update',
    'refund',
    'return',
    'redirect',
    'reschedule',
    'send',
    'late',
    'missing',
    'lost',
    'damaged',
    'broken',
    'wrong',
  ],
  /** Things a caller reads a number for: after "my order is forty…", more digits are coming. */
  numberCues: ['order', 'postcode', 'zip', 'account', 'reference', 'phone', 'pin', 'code', 'id'],
};
