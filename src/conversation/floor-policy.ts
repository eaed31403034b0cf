/**
 * Who has the floor when a user turn ends: a pure decision over a plain description of the
 * moment. `Session` gathers the facts, asks, and carries the decision out.
 */

/** How the turn began, known at commit before anything is transcribed. */
export interface FloorOnset {
  /** The caller started while the agent's audio was playing: they must barge in to take the floor. */
  startedOverAgent: boolean;
  /** The caller's speech in this turn did interrupt the agent. */
  interrupted: boolean;
  /** A reply the caller has not interrupted is still going (thinking, held or audible). */
  replyLive: boolean;
}

/** The whole moment, once the final transcript is in. */
export interface FloorSituation extends FloorOnset {
  /** The final transcript, trimmed ('' when the recognizer heard no words). */
  text: string;
  /** The text is the agent's own recent speech coming back. */
  echo: boolean;
  /** The text is an acknowledgement ("okay", "mhm"), not a turn. */
  backchannel: boolean;
  /**
   * The reply still going now: 'unheard_answer' is an answer to an earlier turn of which the
   * caller has heard nothing yet (cancelling it leaves no trace); 'other' is audible speech or
   * fixed speech (greeting, check-in).
   */
  waiting: 'none' | 'unheard_answer' | 'other';
  /** An interrupted reply left an unplayed rest that could be resumed. */
  resumable: boolean;
  /** An answer was cancelled before the caller heard any of it (they were still talking). */
  retracted: boolean;
  resumeAfterBackchannel: boolean;
}

export type FloorDecision =
  /**
   * Not a turn. 'overlap': sound that began over the agent and never barged in (a cough, a knock,
   * a brief "mhm"); decided before transcribing. 'silence' / 'echo': no words of the caller's, and
   * nothing was pending.
   */
  | { kind: 'ignore'; why: 'overlap' | 'silence' | 'echo' }
  /** No words: the reply still going goes on (released, if it was held while the caller made noise). */
  | { kind: 'release' }
  /** No words: the answer cancelled for that noise before it was heard is started again. */
  | { kind: 'restart' }
  /** Speak the unplayed rest of the interrupted reply (after a backchannel, or no words at all). */
  | { kind: 'resume' }
  /** A new turn: answer it. */
  | { kind: 'answer' }
  /** A new turn while a reply is still going: cut that reply where it was heard, then answer. */
  | { kind: 'interrupt_and_answer' }
  /**
   * More words of a turn whose answer the caller never heard: answer both as one turn. `of`
   * names that turn: the answer still waiting (cancelled now) or one already retracted.
   * `interrupt`: a reply is still going and is cut first.
   */
  | { kind: 'extend'; of: 'waiting' | 'retracted'; interrupt: boolean };

/** With the words: the whole decision. */
export function decideFloor(situation: FloorSituation): FloorDecision;
/** Before the words are known: only whether the caller took the floor at all (undefined: they did). */
export function decideFloor(onset: FloorOnset): FloorDecision | undefined;
export function decideFloor(s: FloorOnset | FloorSituation): FloorDecision | undefined {
  // Speech over the agent that was too short to barge in never took the floor.
  if (s.startedOverAgent && !s.interrupted && s.replyLive) return { kind: 'ignore', why: 'overlap' };
  if (!('text' in s)) return undefined;
  if (!s.text || s.echo) {
    // Nothing was said after all: whatever the agent was about to say or was saying goes on.
    if (s.waiting !== 'none') return { kind: 'release' };
    if (s.retracted) return { kind: 'restart' };
    if (s.resumable) return { kind: 'resume' };
    return { kind: 'ignore', why: s.echo ? 'echo' : 'silence' };
  }
  if (s.resumable && s.resumeAfterBackchannel && s.backchannel) return { kind: 'resume' };
  if (s.waiting === 'unheard_answer') return { kind: 'extend', of: 'waiting', interrupt: true };
  const interrupt = s.waiting === 'other';
  if (s.retracted) return { kind: 'extend', of: 'retracted', interrupt };
  return interrupt ? { kind: 'interrupt_and_answer' } : { kind: 'answer' };
}
