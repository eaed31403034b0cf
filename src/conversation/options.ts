/** Everything a Session can be tuned with. Units are in the names; defaults are documented here. */
export interface SessionOptions {
  /** VAD probability at or above which a frame counts as speech. Default 0.5. */
  speechThreshold: number;
  /** Speech needed before the caller counts as speaking (filters clicks). Default 100 ms. */
  minSpeechMs: number;
  /** Silence after which a turn of unknown completeness is committed. Default 300 ms. */
  silenceMs: number;
  /** Silence after which a complete-sounding turn is committed (may be < silenceMs). Default 160 ms. */
  completeSilenceMs: number;
  /** Cap for turns that sound unfinished ("my number is four two…"). Default 1500 ms. */
  maxSilenceMs: number;
  /** Audio kept before speech onset so the first syllable reaches the recognizer. Default 300 ms. */
  preRollMs: number;
  /** Caller speech during agent speech that interrupts it. Default 300 ms. */
  minInterruptionMs: number;
  /** Speak a bridging phrase if no clause is ready this long after commit. Default 700 ms. */
  fillerAfterMs: number;
  /** The bridging phrase. Default "Let me check on that." */
  fillerText: string;
  /** Speak `agent.greeting` at start(). Default false (servers turn it on). */
  greeting: boolean;
  /** Caller silence after which the agent checks in once; 0 turns it off. Default 8000 ms. */
  idleCheckInMs: number;
  /** Default "Are you still there?" */
  idleCheckInText: string;
  /**
   * Said once when the caller spoke but no recognizer could transcribe it (every engine of the
   * chain failed), so the caller knows to repeat. Default "Sorry, I missed that. Could you say it again?"
   */
  missedTurnText: string;
  /**
   * 'streaming' synthesizes clause N+1 while clause N plays; 'sequential' is the batch baseline
   * (full brain reply, then all synthesis, then playout) for measuring the streaming gain. Default 'streaming'.
   */
  pipeline: 'streaming' | 'sequential';
  /** After a barge-in that was only a backchannel ("mhm", "okay"), continue the unplayed rest. Default true. */
  resumeAfterBackchannel: boolean;
  /** A caller transcript at least this similar to recent agent speech is dropped as echo. Default 0.9. */
  echoSimilarity: number;
  /** How far back agent speech is compared for echo, in ms. Default 5000. */
  echoWindowMs: number;
  /**
   * Acoustic echo gate: a mic window counts as the agent's own voice when it matches what the
   * agent played `outputLatencyMs`…`+ echoTailMs` earlier with at least this normalized
   * correlation (a caller talking over it lowers the match). Default 0.95 (the agent's own
   * voice coming back matches at 0.98 or more); 0 turns the gate off.
   */
  echoCorrelation: number;
  /** The gate also requires the mic to be no louder than the played audio × this gain. Default 1; 0 turns the gate off. */
  echoReturnGain: number;
  /** How long agent audio may ring back into the mic, in ms. Default 300. */
  echoTailMs: number;
  /** Roll older history into a summary every this many user turns. Default 10. */
  summaryEveryTurns: number;
  /** Who writes the summary: the brain (LLM brains) or a deterministic slot summary. Default 'slots'. */
  summarizer: 'slots' | 'brain';
  /** Messages kept verbatim after a summary. Default 6. */
  keepRecentMessages: number;
  /** Re-inject the persona as a reminder every this many user turns. Default 8. */
  personaEveryTurns: number;
  /** Upper bound for what goes to the brain, in estimated tokens (chars/4). Default 3000. */
  contextTokenBudget: number;
  /** Brain → tool → brain rounds per reply. Default 3. */
  maxToolRounds: number;
  /** A clause is flushed at this length even without punctuation (never mid-word). Default 120 chars. */
  maxClauseChars: number;
  /** Initial output latency (jitter buffer + device) until the transport sets it, in ms. Default 0. */
  outputLatencyMs: number;
}

export const DEFAULT_SESSION_OPTIONS: SessionOptions = {
  speechThreshold: 0.5,
  minSpeechMs: 100,
  silenceMs: 300,
  completeSilenceMs: 160,
  maxSilenceMs: 1500,
  preRollMs: 300,
  minInterruptionMs: 300,
  fillerAfterMs: 700,
  fillerText: 'Let me check on that.',
  greeting: false,
  idleCheckInMs: 8000,
  idleCheckInText: 'Are you still there?',
  missedTurnText: 'Sorry, I missed that. Could you say it again?',
  pipeline: 'streaming',
  resumeAfterBackchannel: true,
  echoSimilarity: 0.9,
  echoWindowMs: 5000,
  echoCorrelation: 0.95,
  echoReturnGain: 1,
  echoTailMs: 300,
  summaryEveryTurns: 10,
  summarizer: 'slots',
  keepRecentMessages: 6,
  personaEveryTurns: 8,
  contextTokenBudget: 3000,
  maxToolRounds: 3,
  maxClauseChars: 120,
  outputLatencyMs: 0,
};

/** Tuned starting points: a quiet room answers briskly; a call centre tolerates noise and crosstalk. */
export const PRESETS: {
  quietRoom: Partial<SessionOptions>;
  callCentre: Partial<SessionOptions>;
  phone: Partial<SessionOptions>;
} = {
  quietRoom: {
    speechThreshold: 0.5,
    minSpeechMs: 80,
    silenceMs: 300,
    completeSilenceMs: 150,
    minInterruptionMs: 250,
  },
  callCentre: {
    speechThreshold: 0.7,
    minSpeechMs: 150,
    silenceMs: 450,
    completeSilenceMs: 250,
    maxSilenceMs: 1800,
    minInterruptionMs: 400,
    echoCorrelation: 0.9,
  },
  /**
   * Phone calls: the call-centre VAD (noise- and crosstalk-tolerant) with more patience for
   * unfinished turns, since callers read numbers out slowly over narrowband audio.
   */
  phone: {
    speechThreshold: 0.7,
    minSpeechMs: 150,
    silenceMs: 450,
    completeSilenceMs: 250,
    maxSilenceMs: 2500,
    minInterruptionMs: 400,
    echoCorrelation: 0.9,
  },
};

export function resolveOptions(options?: Partial<SessionOptions>): SessionOptions {
  const merged = { ...DEFAULT_SESSION_OPTIONS, ...options };
  const positive: (keyof SessionOptions)[] = [
    'silenceMs',
    'maxSilenceMs',
    'minInterruptionMs',
    'maxClauseChars',
  ];
  for (const key of positive) {
    const value = merged[key];
    if (typeof value !== 'number' || !(value > 0))
      throw new RangeError(`SessionOptions.${key} must be > 0, got ${value}`);
  }
  if (merged.speechThreshold <= 0 || merged.speechThreshold >= 1) {
    throw new RangeError(`SessionOptions.speechThreshold must be in (0, 1), got ${merged.speechThreshold}`);
  }
  return merged;
}
