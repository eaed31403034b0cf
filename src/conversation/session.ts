import type { AgentDefinition } from '../agent.js';
import type { AudioFrame } from '../audio/frame.js';
import type { Clock } from '../clock.js';
import type { Brain, ChatMessage, Recognizer, Synthesizer, Vad } from '../engines/types.js';
import type { ToolGateway } from '../tools/types.js';
import type { SessionApi } from './api.js';
import { BargeInDetector } from './barge-in.js';
import { type Completeness, isAffirmative, isBackchannel } from './completeness.js';
import { buildContext } from './context.js';
import { EchoGuard } from './echo-guard.js';
import { Emitter } from './emitter.js';
import { decideFloor, type FloorDecision, type FloorOnset } from './floor-policy.js';
import { describeBadFrame } from './frame-check.js';
import type { SessionEvent, SessionState, TurnTrace } from './events.js';
import { History } from './history.js';
import { IdleCheckIn } from './idle.js';
import { Listener, type ListenedWindow } from './listener.js';
import { resolveOptions, type SessionOptions } from './options.js';
import { Prefetcher } from './prefetch.js';
import { Reply, type ReplyResult } from './reply.js';
import {
  type ActiveReply,
  callerMarks,
  isUnheardAnswer,
  owedAtClose,
  type ReplyStart,
  type UserTurn,
} from './session-turns.js';
import { RollingSummary } from './summary.js';
import { applyHeard, buildTrace } from './trace.js';
import { TurnDetector, type TurnSignal } from './turn-detector.js';

export interface SessionDeps {
  id: string;
  clock: Clock;
  /** Per-session VAD (it has recurrent state). */
  vad: Vad;
  recognizer: Recognizer;
  synthesizer: Synthesizer;
  brain: Brain;
  tools: ToolGateway;
  agent: Pick<AgentDefinition, 'persona' | 'greeting' | 'extractFacts' | 'turnWords'>;
  /** Phrases that bias the recognizer, where it supports hints. */
  hints?: string[];
  /**
   * Read-only preparation while the caller is still talking: given the stable prefix of a
   * partial, calls worth prefetching. They go through the gateway in phase 'partial', so
   * anything that is not read-only is refused; results are reused by the committed turn.
   */
  prepare?(stableText: string): { name: string; arguments: string }[];
}

/** A call: frames in, agent frames and typed events out, all time from the injected clock. */
export class Session implements SessionApi {
  readonly id: string;
  private readonly options: SessionOptions;
  private readonly events = new Emitter<SessionEvent>();
  private readonly audio = new Emitter<AudioFrame>();
  private readonly detector: TurnDetector;
  private readonly listener: Listener;
  private readonly echo: EchoGuard;
  private readonly bargeIn: BargeInDetector;
  private readonly conversation = new History();
  private readonly traceList: TurnTrace[] = [];
  private readonly lifetime = new AbortController();
  private current: SessionState = 'listening';
  private active: ActiveReply | undefined;
  /** Replies not yet recorded (an interrupted one winds down after the next has begun). */
  private readonly unfinished = new Set<ActiveReply>();
  private started = false;
  private closed = false;
  /** The agent's persona, plus any instructions a client added (`setInstructions`). */
  private persona: string;
  private turnSeq = 0;
  private turnId = 0;
  /** How the caller's current turn stands against the agent (over its audio, barging in). */
  private floor: Omit<FloorOnset, 'replyLive'> = { startedOverAgent: false, interrupted: false };
  /** A reply cancelled before the caller heard any of it: the caller was still talking. */
  private retracted: UserTurn | undefined;
  private committing = 0;
  private resumable: string | undefined;
  private playoutEndMs = 0;
  private outputLatencyMs: number;
  private pendingSttMs = 0;
  private readonly idle: IdleCheckIn;
  private readonly prefetch: Prefetcher;
  private readonly summary: RollingSummary;

  constructor(
    private readonly deps: SessionDeps,
    options?: Partial<SessionOptions>,
  ) {
    this.id = deps.id;
    this.persona = deps.agent.persona;
    this.options = resolveOptions(options);
    this.outputLatencyMs = this.options.outputLatencyMs;
    this.detector = new TurnDetector(this.options, deps.agent.turnWords);
    this.echo = new EchoGuard(this.options);
    this.bargeIn = new BargeInDetector(this.options.minInterruptionMs);
    this.summary = new RollingSummary(this.options, deps.brain);
    this.prefetch = new Prefetcher(deps.id, deps.tools, deps.prepare, this.lifetime.signal, (m) =>
      this.error(m),
    );
    this.idle = new IdleCheckIn(deps.clock, this.options.idleCheckInMs, () => {
      if (this.current !== 'listening' || this.active) return false;
      this.speak(this.options.idleCheckInText, this.turnSeq);
      return true;
    });
    this.listener = new Listener(deps.vad, deps.recognizer, this.detector, this.options.preRollMs, {
      gate: (w) => this.gate(w),
      window: (w, isSpeech) => this.watchForBargeIn(w, isSpeech),
      signal: (s) => this.onTurnSignal(s),
      partial: (text, stable, turnId) => this.onPartial(text, stable, turnId),
      error: (message) => this.error(message),
    });
  }

  get state(): SessionState {
    return this.current;
  }

  now(): number {
    return this.deps.clock.now();
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.idle.start();
    this.emit({ type: 'state', state: this.current, atMs: this.now() });
    const greeting = this.deps.agent.greeting;
    if (this.options.greeting && greeting) this.speak(greeting, 0);
    else this.idle.arm();
  }

  pushAudio(frame: AudioFrame): void {
    if (this.closed) return;
    const problem = describeBadFrame(frame);
    if (problem) {
      this.error(`audio frame refused: ${problem}`);
      return;
    }
    this.listener.push(frame);
  }

  onAgentAudio(listener: (frame: AudioFrame) => void): () => void {
    return this.audio.on(listener);
  }

  onEvent(listener: (event: SessionEvent) => void): () => void {
    return this.events.on(listener);
  }

  setOutputLatencyMs(ms: number): void {
    if (Number.isFinite(ms) && ms >= 0) this.outputLatencyMs = ms;
  }

  setInstructions(text: string): void {
    const extra = text.trim();
    this.persona = extra ? `${this.deps.agent.persona}\n\n${extra}` : this.deps.agent.persona;
  }

  cancelReply(): boolean {
    const live = this.closed ? undefined : this.liveReply();
    if (!live) return false;
    this.interrupt(live);
    return true;
  }

  reportHeard(turnId: number, atMs: number): void {
    const trace = this.traceList.find((t) => t.turnId === turnId);
    if (trace) applyHeard(trace, atMs);
    else if (this.active?.turnId === turnId) this.active.marks.heardStart ??= atMs; // traced when it ends
  }

  history(): ChatMessage[] {
    return this.conversation.messages();
  }

  traces(): TurnTrace[] {
    return [...this.traceList];
  }

  /** Facts pinned from the caller's turns (they survive every summary). */
  facts(): Record<string, string> {
    return this.conversation.facts();
  }

  async close(reason = 'closed'): Promise<void> {
    if (this.closed) return;
    const atMs = this.now();
    // A reply cut by the hang-up is recorded now, as far as the caller heard it, before `ended`.
    for (const entry of owedAtClose(this.unfinished, this.active, this.traceList)) {
      entry.reply.interrupt(atMs, this.outputLatencyMs);
      this.finishReply(entry, entry.reply.result(), true);
    }
    this.closed = true;
    this.lifetime.abort();
    this.idle.stop();
    this.listener.close();
    this.current = 'ended';
    this.events.emit({ type: 'state', state: 'ended', atMs });
    this.events.emit({ type: 'ended', reason, atMs });
    try {
      await this.deps.vad.close?.();
    } catch {
      // The VAD is per session; a failure to release it must not fail the hang-up.
    }
  }

  private emit(event: SessionEvent): void {
    if (!this.closed) this.events.emit(event);
  }

  private error(message: string): void {
    this.emit({ type: 'error', message, atMs: this.now() });
  }

  private refreshState(): void {
    if (this.closed) return;
    const next: SessionState = this.liveReply()?.reply.audioStarted
      ? 'agent_speaking'
      : this.detector.inTurn
        ? 'user_speaking'
        : this.active || this.committing > 0
          ? 'thinking'
          : 'listening';
    if (next === this.current) return;
    this.current = next;
    this.emit({ type: 'state', state: next, atMs: this.now() });
  }

  /** The agent's own voice ringing back into the mic is not caller speech. */
  private gate(w: ListenedWindow): number {
    if (!this.detector.isSpeech(w.probability)) return w.probability;
    return this.echo.isEcho(w.samples, w.startMs, this.outputLatencyMs) ? 0 : w.probability;
  }

  private watchForBargeIn(w: ListenedWindow, isSpeech: boolean): void {
    const active = this.liveReply();
    if (!active) {
      this.bargeIn.reset();
      return;
    }
    const rising = this.detector.isSpeech(w.probability * 2);
    if (this.bargeIn.push(isSpeech, w.startMs, w.durationMs, rising)) this.interrupt(active);
  }

  private interrupt(active: ActiveReply): void {
    const atMs = this.now();
    const { heard, discarded } = active.reply.interrupt(atMs, this.outputLatencyMs);
    active.interrupted = true;
    this.floor.interrupted = true;
    const unheard = isUnheardAnswer(active);
    // Nothing was heard: the caller was still talking, so their next words extend the same turn.
    active.retracted = unheard;
    this.retracted = unheard
      ? { turnId: active.turnId, userText: active.userText, marks: active.marks }
      : undefined;
    this.resumable = unheard ? undefined : discarded || undefined;
    if (heard) this.echo.noteSpoken(heard, atMs);
    const { turnId } = active;
    this.emit({ type: 'interrupted', turnId, heardText: heard, discardedText: discarded, atMs });
    this.refreshState();
  }

  private onTurnSignal(signal: TurnSignal): void {
    const now = this.now();
    const live = this.liveReply();
    switch (signal.type) {
      case 'speech_started':
        this.turnId = ++this.turnSeq;
        this.floor = { startedOverAgent: live?.reply.audioStarted === true, interrupted: false };
        // Do not start talking over a caller who is talking: a reply not yet audible waits for this turn.
        if (live && !live.reply.audioStarted) live.reply.playout.hold();
        this.prefetch.newTurn();
        this.idle.callerSpoke();
        this.idle.disarm();
        this.listener.openTurn(signal.atMs, this.deps.hints ?? [], this.turnId);
        this.emit({ type: 'user_speech_started', atMs: signal.atMs });
        break;
      case 'speech_resumed':
        this.emit({ type: 'user_speech_started', atMs: signal.atMs });
        break;
      case 'speech_stopped':
        this.emit({ type: 'user_speech_stopped', atMs: signal.atMs });
        break;
      case 'commit':
        void this.commit(signal.speechEndMs, signal.completeness, now);
        break;
    }
    this.refreshState();
  }

  /**
   * A caller turn that arrives as text, not speech (digits keyed on a phone, a typed message):
   * it cuts in over any reply going, like a barge-in, and is answered like a spoken turn.
   */
  submitText(text: string): void {
    const said = text.trim();
    if (this.closed || !said) return;
    const turnId = ++this.turnSeq;
    this.turnId = turnId;
    const atMs = this.now();
    const waiting = this.liveReply();
    if (waiting) this.interrupt(waiting);
    this.retracted = undefined;
    this.resumable = undefined;
    this.idle.callerSpoke();
    this.emit({ type: 'transcript_final', turnId, text: said, atMs });
    const marks = callerMarks({ speechEnd: atMs, committed: atMs, sttFinal: atMs });
    this.takeTurn({ turnId, userText: said, marks }, 'complete', undefined);
    this.refreshState();
  }

  private onPartial(text: string, stableText: string, turnId: number): void {
    this.emit({ type: 'transcript_partial', turnId, text, stableText, atMs: this.now() });
    if (stableText) this.prefetch.consider(turnId, stableText);
  }

  /** The reply the caller has not interrupted, if one is going (thinking, held or audible). */
  private liveReply(): ActiveReply | undefined {
    return this.active && !this.active.interrupted ? this.active : undefined;
  }

  private async commit(speechEndMs: number, completeness: Completeness, atMs: number): Promise<void> {
    const turn = this.listener.takeTurn();
    if (!turn) return;
    // The id its speech started with: a keyed or typed turn in between took a newer one.
    const { turnId } = turn;
    const onset: FloorOnset = { ...this.floor, replyLive: this.liveReply() !== undefined };
    if (decideFloor(onset)?.kind === 'ignore') {
      // Not a turn, so not worth transcribing; the audio still counts for usage.
      turn.close();
      this.pendingSttMs += turn.billedAudioMs;
      return;
    }
    this.committing++;
    this.refreshState();
    const text = await turn.finalText();
    this.committing--;
    this.pendingSttMs += turn.billedAudioMs;
    if (this.closed) return;
    const sttFinal = this.now();
    if (turn.failed && !text) {
      // Speech went unheard by every recognizer: one honest line beats silence.
      if (!this.liveReply()) this.speak(this.options.missedTurnText, turnId);
      return;
    }
    const marks = callerMarks({ speechEnd: speechEndMs, committed: atMs, sttFinal });
    this.emit({ type: 'transcript_final', turnId, text, atMs: sttFinal });
    const { resumable, retracted } = this;
    this.resumable = undefined;
    this.retracted = undefined;
    const waiting = this.liveReply();
    const echo = text ? this.echo.checkTranscript(text, this.now()) : { echo: false, similarity: 0 };
    if (echo.echo) this.emit({ type: 'echo_dropped', text, similarity: echo.similarity, atMs: this.now() });
    const decision = decideFloor({
      ...onset,
      text,
      echo: echo.echo,
      backchannel: isBackchannel(text),
      waiting: !waiting ? 'none' : isUnheardAnswer(waiting) ? 'unheard_answer' : 'other',
      resumable: Boolean(resumable),
      retracted: retracted !== undefined,
      resumeAfterBackchannel: this.options.resumeAfterBackchannel,
    });
    this.follow(decision, { turnId, userText: text, marks }, completeness, { waiting, resumable, retracted });
  }

  /** Carries out the floor decision for the turn just transcribed. */
  private follow(
    decision: FloorDecision,
    turn: UserTurn,
    completeness: Completeness,
    pending: {
      waiting: ActiveReply | undefined;
      resumable: string | undefined;
      retracted: UserTurn | undefined;
    },
  ): void {
    const { waiting, resumable, retracted } = pending;
    switch (decision.kind) {
      case 'ignore':
        break;
      case 'release':
        waiting?.reply.playout.release();
        break;
      case 'restart':
        if (retracted) this.answer({ ...retracted, marks: callerMarks(retracted.marks) });
        break;
      case 'resume':
        if (resumable) this.speak(resumable, turn.turnId, true);
        break;
      case 'answer':
      case 'interrupt_and_answer':
      case 'extend': {
        const interrupt = decision.kind === 'extend' ? decision.interrupt : decision.kind !== 'answer';
        if (interrupt && waiting) this.interrupt(waiting);
        // Cutting the waiting answer retracted it; this turn takes its place.
        this.retracted = undefined;
        const earlier =
          decision.kind !== 'extend' ? undefined : decision.of === 'waiting' ? waiting : retracted;
        this.takeTurn(turn, completeness, earlier);
        return;
      }
    }
    this.settleIdle();
  }

  /** A real user turn: committed, into history (extending an unanswered one), and answered. */
  private takeTurn(turn: UserTurn, completeness: Completeness, earlier: UserTurn | undefined): void {
    const { turnId, userText: text } = turn;
    const reason =
      completeness === 'complete' ? 'complete' : completeness === 'incomplete' ? 'max_silence' : 'silence';
    this.emit({ type: 'turn_committed', turnId, text, reason, atMs: this.now() });
    if (isAffirmative(text)) this.deps.tools.confirmPending(turnId);
    else this.deps.tools.cancelPending();
    let facts: Record<string, string> = {};
    try {
      facts = this.deps.agent.extractFacts?.(text) ?? {};
    } catch (err) {
      this.error(`extractFacts: ${(err as Error).message}`);
    }
    if (earlier) {
      this.conversation.extendLastUser(text, facts);
      this.answer({ ...turn, userText: `${earlier.userText} ${text}` });
    } else {
      this.conversation.addUser(text, facts);
      this.answer(turn);
    }
  }

  /** Starts the brain's reply to the committed turn as history now stands. */
  private answer(turn: UserTurn): void {
    const context = buildContext(this.conversation, this.deps.tools.specs(), {
      persona: this.persona,
      personaEveryTurns: this.options.personaEveryTurns,
      contextTokenBudget: this.options.contextTokenBudget,
    });
    this.startReply({ source: { kind: 'brain', context }, kind: 'turn', ...turn });
  }

  /** Fixed speech: a greeting, a check-in, or the unplayed rest of an interrupted reply. */
  private speak(text: string, turnId: number, continuation = false): void {
    this.startReply({ source: { kind: 'text', text }, turnId, kind: 'fixed', continuation });
  }

  private settleIdle(): void {
    this.refreshState();
    if (this.current === 'listening') this.idle.arm();
  }

  private startReply(start: ReplyStart): void {
    const { source, turnId, kind, userText = '', marks = {}, continuation = false } = start;
    const { clock } = this.deps;
    const reply = new Reply(
      {
        turnId,
        sessionId: this.id,
        clock,
        brain: this.deps.brain,
        synthesizer: this.deps.synthesizer,
        tools: this.deps.tools,
        options: this.options,
        echo: this.echo,
        marks,
        committedAtMs: marks.committed ?? clock.now(),
        notBeforeMs: Math.max(this.playoutEndMs, this.active?.reply.playout.endMs ?? 0),
        emit: (e) => this.emit(e),
        emitAudio: (f) => {
          if (!this.closed) this.audio.emit(f);
        },
        onAudioStarted: () => this.refreshState(),
      },
      source,
    );
    const entry: ActiveReply = { reply, turnId, userText, marks, kind, continuation, interrupted: false };
    this.active = entry;
    this.unfinished.add(entry);
    this.bargeIn.reset();
    this.idle.disarm();
    this.refreshState();
    reply.done.then(
      (result) => this.finishReply(entry, result),
      (err: unknown) => this.error(`reply: ${(err as Error).message}`),
    );
  }

  private finishReply(entry: ActiveReply, result: ReplyResult, closing = false): void {
    if (!this.unfinished.delete(entry)) return; // already recorded when the session closed
    this.playoutEndMs = Math.max(this.playoutEndMs, entry.reply.playout.endMs);
    if (this.active === entry) this.active = undefined;
    for (const round of result.toolRounds) this.conversation.addToolRound('', round.calls, round.outcomes);
    this.conversation.addAgent(result.heardText, { continuation: entry.continuation });
    const atMs = this.now();
    const { agentText: text, interrupted } = result;
    this.emit({ type: 'reply_done', turnId: entry.turnId, text, interrupted, atMs });
    this.emit({
      type: 'usage',
      inputTokens: result.inputTokens,
      outputTokens: result.outputTokens,
      ttsChars: result.ttsChars,
      sttAudioMs: Math.round(this.pendingSttMs),
      atMs,
    });
    this.pendingSttMs = 0;
    if (entry.kind === 'turn' && !entry.retracted) {
      const trace = buildTrace(entry.turnId, entry.userText, entry.marks, result);
      this.traceList.push(trace);
      this.emit({ type: 'turn_trace', trace, atMs });
    }
    if (closing) return;
    void this.summary.maybeRoll(this.conversation, this.lifetime.signal);
    this.settleIdle();
  }
}
