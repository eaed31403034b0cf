import type { AgentDefinition } from '../agent.js';
import type { AudioFrame } from '../audio/frame.js';
import type { Clock } from '../clock.js';
import type { Brain, ChatMessage, Recognizer, Synthesizer, Vad } from '../engines/types.js';
import type { ToolGateway } from '../tools/gateway.js';
import type { SessionApi } from './api.js';
import { BargeInDetector } from './barge-in.js';
import { isAffirmative, isBackchannel } from './completeness.js';
import { buildContext } from './context.js';
import { EchoGuard } from './echo-guard.js';
import { Emitter } from './emitter.js';
import { describeBadFrame } from './frame-check.js';
import type { SessionEvent, SessionState, TurnMarks, TurnTrace } from './events.js';
import { History } from './history.js';
import { IdleCheckIn } from './idle.js';
import { Listener, type ListenedWindow } from './listener.js';
import { resolveOptions, type SessionOptions } from './options.js';
import { Prefetcher } from './prefetch.js';
import { Reply, type ReplyResult, type ReplySource } from './reply.js';
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
  agent: Pick<AgentDefinition, 'persona' | 'greeting' | 'extractFacts'>;
  /** Phrases that bias the recognizer, where it supports hints. */
  hints?: string[];
  /**
   * Read-only preparation while the caller is still talking: given the stable prefix of a
   * partial, calls worth prefetching. They go through the gateway in phase 'partial', so
   * anything that is not read-only is refused; results are reused by the committed turn.
   */
  prepare?(stableText: string): { name: string; arguments: string }[];
}

interface ActiveReply {
  reply: Reply;
  turnId: number;
  userText: string;
  marks: TurnMarks;
  /** A user turn (traced) or fixed speech (greeting, check-in, resumption). */
  kind: 'turn' | 'fixed';
  continuation: boolean;
  interrupted: boolean;
  /** Cancelled before any of it was heard; the turn goes on, so it leaves no trace of its own. */
  retracted?: boolean;
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
  private started = false;
  private closed = false;
  private turnSeq = 0;
  private turnId = 0;
  /** The caller started this turn while the agent's audio was playing (it must win the floor by barge-in). */
  private turnStartedOverAgent = false;
  private turnInterrupted = false;
  /** A reply cancelled before the caller heard any of it: the caller was still talking. */
  private retracted: { turnId: number; userText: string; marks: TurnMarks } | undefined;
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
    this.options = resolveOptions(options);
    this.outputLatencyMs = this.options.outputLatencyMs;
    this.detector = new TurnDetector(this.options);
    this.echo = new EchoGuard(this.options);
    this.bargeIn = new BargeInDetector(this.options.minInterruptionMs);
    this.summary = new RollingSummary(this.options, deps.brain);
    this.prefetch = new Prefetcher(deps.id, deps.tools, deps.prepare, this.lifetime.signal, (m) =>
      this.error(m),
    );
    this.idle = new IdleCheckIn(deps.clock, this.options.idleCheckInMs, () => {
      if (this.current !== 'listening' || this.active) return false;
      this.startReply({ kind: 'text', text: this.options.idleCheckInText }, this.turnSeq, '', {}, 'fixed');
      return true;
    });
    this.listener = new Listener(deps.vad, deps.recognizer, this.detector, this.options.preRollMs, {
      gate: (w) => this.gate(w),
      window: (w, isSpeech) => this.watchForBargeIn(w, isSpeech),
      signal: (s) => this.onTurnSignal(s),
      partial: (text, stable) => this.onPartial(text, stable),
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
    this.emit({ type: 'state', state: this.current, atMs: this.deps.clock.now() });
    const greeting = this.deps.agent.greeting;
    if (this.options.greeting && greeting)
      this.startReply({ kind: 'text', text: greeting }, 0, '', {}, 'fixed');
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

  reportHeard(turnId: number, atMs: number): void {
    const trace = this.traceList.find((t) => t.turnId === turnId);
    if (trace) applyHeard(trace, atMs);
    else if (this.active?.turnId === turnId) this.active.marks.heardStart ??= atMs;
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
    const atMs = this.deps.clock.now();
    this.active?.reply.interrupt(atMs, this.outputLatencyMs);
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
    this.emit({ type: 'error', message, atMs: this.deps.clock.now() });
  }

  private refreshState(): void {
    if (this.closed) return;
    const next: SessionState =
      this.active && !this.active.interrupted && this.active.reply.audioStarted
        ? 'agent_speaking'
        : this.detector.inTurn
          ? 'user_speaking'
          : this.active || this.committing > 0
            ? 'thinking'
            : 'listening';
    if (next === this.current) return;
    this.current = next;
    this.emit({ type: 'state', state: next, atMs: this.deps.clock.now() });
  }

  /** The agent's own voice ringing back into the mic is not caller speech. */
  private gate(w: ListenedWindow): number {
    if (!this.detector.isSpeech(w.probability)) return w.probability;
    return this.echo.isEcho(w.samples, w.startMs, this.outputLatencyMs) ? 0 : w.probability;
  }

  private watchForBargeIn(w: ListenedWindow, isSpeech: boolean): void {
    const active = this.active;
    if (!active || active.interrupted) {
      this.bargeIn.reset();
      return;
    }
    const rising = this.detector.isSpeech(w.probability * 2);
    if (this.bargeIn.push(isSpeech, w.startMs, w.durationMs, rising)) this.interrupt(active);
  }

  private interrupt(active: ActiveReply): void {
    const atMs = this.deps.clock.now();
    const { heard, discarded } = active.reply.interrupt(atMs, this.outputLatencyMs);
    active.interrupted = true;
    this.turnInterrupted = true;
    const unheard = !active.reply.audioStarted && active.kind === 'turn';
    // Nothing was heard: the caller was still talking, so their next words extend the same turn.
    active.retracted = unheard;
    this.retracted = unheard
      ? { turnId: active.turnId, userText: active.userText, marks: active.marks }
      : undefined;
    this.resumable = unheard ? undefined : discarded || undefined;
    if (heard) this.echo.noteSpoken(heard, atMs);
    this.emit({
      type: 'interrupted',
      turnId: active.turnId,
      heardText: heard,
      discardedText: discarded,
      atMs,
    });
    this.refreshState();
  }

  private onTurnSignal(signal: TurnSignal): void {
    const now = this.deps.clock.now();
    switch (signal.type) {
      case 'speech_started':
        this.turnId = ++this.turnSeq;
        this.turnStartedOverAgent =
          this.active !== undefined && !this.active.interrupted && this.active.reply.audioStarted;
        this.turnInterrupted = false;
        // Do not start talking over a caller who is talking: a reply not yet audible waits for this turn.
        if (this.active && !this.active.interrupted && !this.active.reply.audioStarted)
          this.active.reply.playout.hold();
        this.prefetch.newTurn();
        this.idle.callerSpoke();
        this.idle.disarm();
        this.listener.openTurn(signal.atMs, this.deps.hints ?? []);
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

  private onPartial(text: string, stableText: string): void {
    this.emit({
      type: 'transcript_partial',
      turnId: this.turnId,
      text,
      stableText,
      atMs: this.deps.clock.now(),
    });
    if (stableText) this.prefetch.consider(this.turnId, stableText);
  }

  private async commit(speechEndMs: number, completeness: string, committedAtMs: number): Promise<void> {
    const turn = this.listener.takeTurn();
    if (!turn) return;
    const turnId = this.turnId;
    if (this.turnStartedOverAgent && !this.turnInterrupted && this.active && !this.active.interrupted) {
      // Speech too short to take the floor from the agent (a cough, a knock, a brief "mhm").
      turn.close();
      this.pendingSttMs += turn.audioMs;
      return;
    }
    const marks: TurnMarks = { speechEnd: speechEndMs, committed: committedAtMs };
    this.committing++;
    this.refreshState();
    let text = '';
    try {
      const final = await turn.finish();
      text = final.text.trim();
    } catch (err) {
      this.error(`recognizer: ${(err as Error).message}`);
    } finally {
      this.committing--;
      this.pendingSttMs += turn.audioMs;
    }
    if (this.closed) return;
    marks.sttFinal = this.deps.clock.now();
    this.emit({ type: 'transcript_final', turnId, text, atMs: marks.sttFinal });
    const { resumable, retracted } = this;
    this.resumable = undefined;
    this.retracted = undefined;
    const waiting = this.active && !this.active.interrupted ? this.active : undefined;

    const echo = text
      ? this.echo.checkTranscript(text, this.deps.clock.now())
      : { echo: false, similarity: 0 };
    if (echo.echo)
      this.emit({ type: 'echo_dropped', text, similarity: echo.similarity, atMs: this.deps.clock.now() });
    if (!text || echo.echo) {
      // Nothing was said after all: whatever the agent was about to say or was saying goes on.
      if (waiting) waiting.reply.playout.release();
      else if (retracted) {
        const { speechEnd, committed, sttFinal } = retracted.marks;
        this.answer(retracted.turnId, retracted.userText, { speechEnd, committed, sttFinal });
      } else if (resumable) this.startReply({ kind: 'text', text: resumable }, turnId, '', {}, 'fixed', true);
      return this.settleIdle();
    }
    if (resumable && this.options.resumeAfterBackchannel && isBackchannel(text)) {
      this.startReply({ kind: 'text', text: resumable }, turnId, '', {}, 'fixed', true);
      return;
    }
    if (waiting) this.interrupt(waiting);
    const extended = this.retracted ?? retracted;
    this.retracted = undefined;

    const reason =
      completeness === 'complete' ? 'complete' : completeness === 'incomplete' ? 'max_silence' : 'silence';
    this.emit({ type: 'turn_committed', turnId, text, reason, atMs: this.deps.clock.now() });
    if (isAffirmative(text)) this.deps.tools.confirmPending(turnId);
    else this.deps.tools.cancelPending();
    let facts: Record<string, string> = {};
    try {
      facts = this.deps.agent.extractFacts?.(text) ?? {};
    } catch (err) {
      this.error(`extractFacts: ${(err as Error).message}`);
    }
    if (extended) {
      this.conversation.extendLastUser(text, facts);
      this.answer(turnId, `${extended.userText} ${text}`, marks);
    } else {
      this.conversation.addUser(text, facts);
      this.answer(turnId, text, marks);
    }
  }

  /** Starts the brain's reply to the committed turn as history now stands. */
  private answer(turnId: number, userText: string, marks: TurnMarks): void {
    const context = buildContext(this.conversation, this.deps.tools.specs(), {
      persona: this.deps.agent.persona,
      personaEveryTurns: this.options.personaEveryTurns,
      contextTokenBudget: this.options.contextTokenBudget,
    });
    this.startReply({ kind: 'brain', context }, turnId, userText, marks, 'turn');
  }

  private settleIdle(): void {
    this.refreshState();
    if (this.current === 'listening') this.idle.arm();
  }

  private startReply(
    source: ReplySource,
    turnId: number,
    userText: string,
    marks: TurnMarks,
    kind: ActiveReply['kind'],
    continuation = false,
  ): void {
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
    this.bargeIn.reset();
    this.idle.disarm();
    this.refreshState();
    reply.done.then(
      (result) => this.finishReply(entry, result),
      (err: unknown) => this.error(`reply: ${(err as Error).message}`),
    );
  }

  private finishReply(entry: ActiveReply, result: ReplyResult): void {
    this.playoutEndMs = Math.max(this.playoutEndMs, entry.reply.playout.endMs);
    if (this.active === entry) this.active = undefined;
    for (const round of result.toolRounds) this.conversation.addToolRound('', round.calls, round.outcomes);
    this.conversation.addAgent(result.heardText, { continuation: entry.continuation });
    const atMs = this.deps.clock.now();
    this.emit({
      type: 'reply_done',
      turnId: entry.turnId,
      text: result.agentText,
      interrupted: result.interrupted,
      atMs,
    });
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
    void this.summary.maybeRoll(this.conversation, this.lifetime.signal);
    this.settleIdle();
  }
}
