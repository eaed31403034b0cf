/** The turn and reply records a Session keeps, and the few rules read off them. */
import type { TurnMarks, TurnTrace } from './events.js';
import type { Reply, ReplySource } from './reply.js';

/** A committed user turn as its answer needs it. */
export interface UserTurn {
  turnId: number;
  userText: string;
  marks: TurnMarks;
}

/** What a reply speaks and for which turn. */
export interface ReplyStart extends Partial<Omit<UserTurn, 'turnId'>> {
  source: ReplySource;
  turnId: number;
  /** A user turn (traced) or fixed speech (greeting, check-in, resumption). */
  kind: 'turn' | 'fixed';
  /** Goes on from the agent's previous message in history (a resumption). */
  continuation?: boolean;
}

export interface ActiveReply extends UserTurn {
  reply: Reply;
  kind: ReplyStart['kind'];
  continuation: boolean;
  interrupted: boolean;
  /** Cancelled before any of it was heard; the turn goes on, so it leaves no trace of its own. */
  retracted?: boolean;
}

/**
 * The marks the session stamps on a user turn, all in one place: when the caller stopped, when
 * the turn was committed, when its final transcript came. The reply stamps the rest (brain,
 * clause, audio, playout) as they happen; a client report adds `heardStart`.
 */
export function callerMarks(m: Pick<TurnMarks, 'speechEnd' | 'committed' | 'sttFinal'>): TurnMarks {
  return { speechEnd: m.speechEnd, committed: m.committed, sttFinal: m.sttFinal };
}

/** An answer to a user turn of which the caller has heard nothing yet. */
export function isUnheardAnswer(active: ActiveReply): boolean {
  return active.kind === 'turn' && !active.reply.audioStarted;
}

/**
 * Replies a hang-up cuts that are still owed a record: the one going, and any winding down after
 * a barge-in. A reply left held and superseded would never have been recorded, and a turn that
 * already has its record keeps it.
 */
export function owedAtClose(
  unfinished: Iterable<ActiveReply>,
  active: ActiveReply | undefined,
  traced: readonly TurnTrace[],
): ActiveReply[] {
  return [...unfinished].filter(
    (entry) => (entry === active || entry.interrupted) && !traced.some((t) => t.turnId === entry.turnId),
  );
}
