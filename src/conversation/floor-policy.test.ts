import { describe, expect, it } from 'vitest';
import { decideFloor, type FloorDecision, type FloorOnset, type FloorSituation } from './floor-policy.js';

/** A question asked into silence: nothing playing, nothing pending. Each row changes what it names. */
const QUIET: FloorSituation = {
  startedOverAgent: false,
  interrupted: false,
  replyLive: false,
  text: 'where is my order',
  echo: false,
  backchannel: false,
  waiting: 'none',
  resumable: false,
  retracted: false,
  resumeAfterBackchannel: true,
};

/** The caller barged in on an audible reply (which left an unplayed rest). */
const BARGED_IN: Partial<FloorSituation> = { startedOverAgent: true, interrupted: true, resumable: true };

const ROWS: { situation: string; given: Partial<FloorSituation>; decision: FloorDecision }[] = [
  { situation: 'a question into silence', given: {}, decision: { kind: 'answer' } },
  {
    situation: 'a cough over the agent, too short to barge in',
    given: { startedOverAgent: true, replyLive: true, waiting: 'other', text: '' },
    decision: { kind: 'ignore', why: 'overlap' },
  },
  {
    situation: 'a brief "mhm" over the agent, too short to barge in',
    given: { startedOverAgent: true, replyLive: true, waiting: 'other', text: 'mhm', backchannel: true },
    decision: { kind: 'ignore', why: 'overlap' },
  },
  {
    situation: 'began over the agent, whose reply then ended: a turn',
    given: { startedOverAgent: true },
    decision: { kind: 'answer' },
  },
  {
    situation: 'no words, nothing pending',
    given: { text: '' },
    decision: { kind: 'ignore', why: 'silence' },
  },
  {
    situation: "the agent's own words, nothing pending",
    given: { text: 'it will arrive on thursday', echo: true },
    decision: { kind: 'ignore', why: 'echo' },
  },
  {
    situation: 'a cough while the answer is held',
    given: { replyLive: true, waiting: 'unheard_answer', text: '' },
    decision: { kind: 'release' },
  },
  {
    situation: 'echo while a reply plays',
    given: { replyLive: true, waiting: 'other', echo: true },
    decision: { kind: 'release' },
  },
  {
    situation: 'a long noise cancelled the unheard answer',
    given: { interrupted: true, retracted: true, text: '' },
    decision: { kind: 'restart' },
  },
  {
    situation: 'a noise barged in on the agent',
    given: { ...BARGED_IN, text: '' },
    decision: { kind: 'resume' },
  },
  {
    situation: '"okay" barged in on the agent',
    given: { ...BARGED_IN, text: 'okay', backchannel: true },
    decision: { kind: 'resume' },
  },
  {
    situation: '"okay" barged in, resumption off',
    given: { ...BARGED_IN, text: 'okay', backchannel: true, resumeAfterBackchannel: false },
    decision: { kind: 'answer' },
  },
  {
    situation: 'a real barge-in ("text me the link instead")',
    given: { ...BARGED_IN, text: 'text me the link instead' },
    decision: { kind: 'answer' },
  },
  {
    situation: '"okay" with nothing to resume',
    given: { text: 'okay', backchannel: true },
    decision: { kind: 'answer' },
  },
  {
    situation: 'more words before any of the answer was heard',
    given: { replyLive: true, waiting: 'unheard_answer', text: 'number four two one nine' },
    decision: { kind: 'extend', of: 'waiting', interrupt: true },
  },
  {
    situation: 'more words after that answer was cancelled by the barge-in',
    given: { interrupted: true, retracted: true, text: 'number four two one nine' },
    decision: { kind: 'extend', of: 'retracted', interrupt: false },
  },
  {
    situation: 'a turn while fixed speech (a check-in) is waiting',
    given: { replyLive: true, waiting: 'other' },
    decision: { kind: 'interrupt_and_answer' },
  },
  {
    situation: 'more words for a cancelled answer while other speech is going',
    given: { replyLive: true, waiting: 'other', retracted: true },
    decision: { kind: 'extend', of: 'retracted', interrupt: true },
  },
  {
    situation: 'no words: a reply still going outranks a cancelled one and a rest',
    given: { replyLive: true, waiting: 'other', retracted: true, resumable: true, text: '' },
    decision: { kind: 'release' },
  },
  {
    situation: 'no words: the cancelled answer outranks a rest',
    given: { retracted: true, resumable: true, text: '' },
    decision: { kind: 'restart' },
  },
];

describe('floor policy', () => {
  it.each(ROWS)('$situation', ({ given, decision }) => {
    expect(decideFloor({ ...QUIET, ...given })).toEqual(decision);
  });

  const ONSETS: { situation: string; onset: FloorOnset; decision: FloorDecision | undefined }[] = [
    {
      situation: 'over the agent, no barge-in: not a turn, so not transcribed',
      onset: { startedOverAgent: true, interrupted: false, replyLive: true },
      decision: { kind: 'ignore', why: 'overlap' },
    },
    {
      situation: 'over the agent, barged in: the words decide',
      onset: { startedOverAgent: true, interrupted: true, replyLive: false },
      decision: undefined,
    },
    {
      situation: 'into silence while the agent thinks: the words decide',
      onset: { startedOverAgent: false, interrupted: false, replyLive: true },
      decision: undefined,
    },
  ];
  it.each(ONSETS)('before the words: $situation', ({ onset, decision }) => {
    expect(decideFloor(onset)).toEqual(decision);
  });
});
