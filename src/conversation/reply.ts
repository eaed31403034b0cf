import type { AudioFrame } from '../audio/frame.js';
import { SESSION_SAMPLE_RATE } from '../audio/frame.js';
import { StreamingResampler } from '../audio/resampler.js';
import type { Clock } from '../clock.js';
import type {
  Brain,
  BrainContext,
  ChatMessage,
  Synthesizer,
  ToolCallRequest,
  WordTiming,
} from '../engines/types.js';
import type { ToolGateway } from '../tools/types.js';
import type { ToolOutcome, ToolOutcomeStatus } from '../tools/types.js';
import { ClauseBuffer } from './clause-buffer.js';
import type { EchoGuard } from './echo-guard.js';
import type { SessionEvent, TurnMarks } from './events.js';
import { estimateTokens, toolResultContent } from './history.js';
import type { SessionOptions } from './options.js';
import { Playout, type PlayoutClause } from './playout.js';

/** What a reply says: the brain's answer to a committed turn, or fixed text (greeting, check-in, resumption). */
export type ReplySource = { kind: 'brain'; context: BrainContext } | { kind: 'text'; text: string };

export interface ReplyDeps {
  turnId: number;
  sessionId: string;
  clock: Clock;
  brain: Brain;
  synthesizer: Synthesizer;
  tools: ToolGateway;
  options: SessionOptions;
  echo: EchoGuard;
  marks: TurnMarks;
  /** When the turn was committed (fillers count from here). */
  committedAtMs: number;
  /** Earliest media time for the first frame (the previous reply's end). */
  notBeforeMs: number;
  emit(event: SessionEvent): void;
  emitAudio(frame: AudioFrame): void;
  /** Agent audio of this reply started (state change). */
  onAudioStarted(): void;
}

export interface ToolRound {
  calls: ToolCallRequest[];
  outcomes: ToolOutcome[];
}

export interface ReplyResult {
  agentText: string;
  heardText: string;
  discardedText: string;
  interrupted: boolean;
  toolRounds: ToolRound[];
  tools: { name: string; args: unknown; status: ToolOutcomeStatus }[];
  inputTokens: number;
  outputTokens: number;
  ttsChars: number;
}

const APOLOGY = "Sorry, I'm having trouble answering right now. Could you say that again?";

function isAbort(err: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (err instanceof Error && err.name === 'AbortError');
}

/**
 * One reply, one AbortController: brain → tool round trips → clause buffer → synthesizer →
 * playout. Interrupting aborts the controller (brain, cancellable tools, synthesis) and
 * flushes playout synchronously, then reports the word-accurate heard prefix.
 */
export class Reply {
  readonly controller = new AbortController();
  readonly playout: Playout;
  readonly done: Promise<ReplyResult>;
  private readonly clauses: string[] = [];
  /** Clauses of the batch baseline waiting for synthesis. */
  private readonly unsynthesized: string[] = [];
  /** Clauses handed to playout so far (the rest were never queued). */
  private opened = 0;
  private readonly toolRounds: ToolRound[] = [];
  private readonly toolLog: ReplyResult['tools'] = [];
  private synthesis: Promise<void> = Promise.resolve();
  private fillerSpoken = false;
  private fillerText = '';
  private interruption: { heard: string; discarded: string } | undefined;
  private inputTokens = 0;
  private outputTokens = 0;
  private reportedUsage = false;
  private ttsChars = 0;

  constructor(
    private readonly deps: ReplyDeps,
    private readonly source: ReplySource,
  ) {
    this.playout = new Playout({
      clock: deps.clock,
      notBeforeMs: deps.notBeforeMs,
      emit: (frame) => {
        deps.echo.noteReference(frame.samples, frame.startMs);
        deps.emitAudio(frame);
      },
      onStart: (atMs) => {
        deps.marks.playoutStart ??= atMs;
        deps.emit({ type: 'agent_audio_started', turnId: deps.turnId, atMs });
        deps.onAudioStarted();
      },
      onClausePlayed: (clause, atMs) => {
        deps.echo.noteSpoken(clause.text, atMs);
        deps.emit({ type: 'agent_heard', turnId: deps.turnId, text: clause.text, atMs });
      },
    });
    this.done = this.run();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get audioStarted(): boolean {
    return (
      this.deps.marks.playoutStart !== undefined || this.playout.clauses.some((c) => c.emissions.length > 0)
    );
  }

  /** Barge-in: stop everything now; returns what the caller heard by `atMs` and what they did not. */
  interrupt(atMs: number, outputLatencyMs: number): { heard: string; discarded: string } {
    if (this.interruption) return this.interruption;
    this.playout.flush();
    this.controller.abort(new DOMException('interrupted', 'AbortError'));
    const split = this.playout.split(atMs - outputLatencyMs);
    const neverQueued = this.clauses.slice(this.opened);
    const discarded = [split.discarded, ...neverQueued].filter((t) => t).join(' ');
    this.interruption = { heard: split.heard, discarded };
    return this.interruption;
  }

  private async run(): Promise<ReplyResult> {
    const { deps } = this;
    deps.emit({ type: 'reply_started', turnId: deps.turnId, atMs: deps.clock.now() });
    if (this.source.kind === 'brain') this.armFiller();
    try {
      if (this.source.kind === 'brain') await this.converse(this.source.context);
      else for (const clause of this.splitText(this.source.text)) this.speak(clause);
      if (deps.options.pipeline === 'sequential') this.synthesizeAllThenPlay();
      await this.synthesis;
    } catch (err) {
      if (!isAbort(err, this.signal)) {
        deps.emit({
          type: 'error',
          message: `brain: ${(err as Error).message ?? String(err)}`,
          atMs: deps.clock.now(),
        });
        if (this.clauses.length === 0) {
          for (const clause of this.splitText(APOLOGY)) this.speak(clause);
          if (deps.options.pipeline === 'sequential') this.synthesizeAllThenPlay();
          await this.synthesis;
        }
      }
    }
    this.playout.close();
    await this.playout.done;
    if (!this.interruption) this.controller.abort(new DOMException('reply finished', 'AbortError'));
    return this.result();
  }

  /**
   * The reply as it stands: what the agent has said so far and what the caller heard (the
   * interruption's prefix if cut, else every clause queued). A session that hangs up mid-reply
   * records this at once rather than waiting for brain and synthesis to wind down.
   */
  result(): ReplyResult {
    const agentText = [...(this.fillerSpoken ? [this.fillerText] : []), ...this.clauses].join(' ');
    const heard = this.interruption?.heard ?? this.playout.clauses.map((c) => c.text).join(' ');
    return {
      agentText,
      heardText: heard,
      discardedText: this.interruption?.discarded ?? '',
      interrupted: this.interruption !== undefined,
      toolRounds: this.toolRounds,
      tools: this.toolLog,
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      ttsChars: this.ttsChars,
    };
  }

  private splitText(text: string): string[] {
    const buffer = new ClauseBuffer(this.deps.options.maxClauseChars);
    return [...buffer.push(text), ...buffer.flush()];
  }

  /** Brain rounds: text streams to speech as it comes; tool calls go through the gateway and back. */
  private async converse(context: BrainContext): Promise<void> {
    const { deps } = this;
    const messages: ChatMessage[] = [...context.messages];
    const promptTokens = messages.reduce((n, m) => n + estimateTokens(m.content), 0);
    for (let round = 0; round < deps.options.maxToolRounds; round++) {
      const buffer = new ClauseBuffer(deps.options.maxClauseChars);
      const calls: ToolCallRequest[] = [];
      let text = '';
      for await (const delta of deps.brain.respond({ messages, tools: context.tools }, this.signal)) {
        if (this.signal.aborted) return;
        if (delta.type === 'usage') {
          this.reportedUsage = true;
          this.inputTokens += delta.inputTokens;
          this.outputTokens += delta.outputTokens;
          continue;
        }
        deps.marks.brainFirstToken ??= deps.clock.now();
        if (delta.type === 'text') {
          text += delta.text;
          for (const clause of buffer.push(delta.text)) this.speak(clause);
        } else {
          calls.push(delta.call);
        }
      }
      if (this.signal.aborted) return;
      for (const clause of buffer.flush()) this.speak(clause);
      if (!this.reportedUsage) {
        this.inputTokens += round === 0 ? promptTokens : estimateTokens(messages.at(-1)?.content ?? '');
        this.outputTokens +=
          estimateTokens(text) + calls.reduce((n, c) => n + estimateTokens(c.arguments), 0);
      }
      if (calls.length === 0) return;
      const outcomes: ToolOutcome[] = [];
      for (const call of calls) outcomes.push(await this.runTool(call));
      this.toolRounds.push({ calls, outcomes });
      messages.push({ role: 'assistant', content: text, toolCalls: calls });
      for (const o of outcomes) {
        messages.push({ role: 'tool', content: toolResultContent(o), toolCallId: o.callId, name: o.name });
      }
      if (this.signal.aborted) return;
    }
  }

  private async runTool(call: ToolCallRequest): Promise<ToolOutcome> {
    const { deps } = this;
    const base = { turnId: deps.turnId, callId: call.id, name: call.name };
    deps.emit({ type: 'tool_proposed', ...base, arguments: call.arguments, atMs: deps.clock.now() });
    const slowAfter = deps.tools.slowAfterMsOf?.(call.name);
    const slowTimer = new AbortController();
    if (slowAfter !== undefined) {
      deps.clock.sleep(slowAfter, slowTimer.signal).then(
        () => this.speakFiller(deps.tools.fillerOf?.(call.name)),
        () => {},
      );
    }
    let outcome: ToolOutcome;
    try {
      outcome = await deps.tools.propose(
        {
          callId: call.id,
          name: call.name,
          arguments: call.arguments,
          sessionId: deps.sessionId,
          turnId: deps.turnId,
          phase: 'committed',
        },
        this.signal,
      );
    } finally {
      slowTimer.abort();
    }
    const atMs = deps.clock.now();
    if (outcome.status === 'rejected') {
      deps.emit({ type: 'tool_rejected', ...base, reason: outcome.reason ?? 'rejected', atMs });
    } else {
      deps.emit({ type: 'tool_validated', ...base, args: outcome.args, atMs });
      deps.emit({
        type: 'tool_executed',
        ...base,
        status: outcome.status,
        ...(outcome.result !== undefined ? { result: outcome.result } : {}),
        ...(outcome.durationMs !== undefined ? { durationMs: outcome.durationMs } : {}),
        atMs,
      });
    }
    this.toolLog.push({ name: call.name, args: outcome.args ?? call.arguments, status: outcome.status });
    return outcome;
  }

  /** A clause ready to say: streaming synthesizes it right behind the previous one. */
  private speak(text: string): void {
    const { deps } = this;
    if (this.signal.aborted) return;
    const index = this.clauses.length;
    this.clauses.push(text);
    deps.marks.firstClause ??= deps.clock.now();
    deps.emit({ type: 'clause', turnId: deps.turnId, text, index, atMs: deps.clock.now() });
    if (deps.options.pipeline === 'sequential') {
      this.unsynthesized.push(text);
      return;
    }
    const clause = this.playout.openClause(text);
    this.opened++;
    this.synthesis = this.synthesis.then(() => this.synthesizeInto(clause, false));
  }

  /** The batch baseline: every clause synthesized before the first one plays. */
  private synthesizeAllThenPlay(): void {
    const texts = this.unsynthesized.splice(0);
    this.synthesis = this.synthesis.then(async () => {
      const rendered: { text: string; chunks: [Int16Array, readonly WordTiming[] | undefined][] }[] = [];
      for (const text of texts) {
        const chunks: [Int16Array, readonly WordTiming[] | undefined][] = [];
        await this.synthesizeTo(text, false, (samples, timings) => chunks.push([samples, timings]));
        if (this.signal.aborted) return;
        rendered.push({ text, chunks });
      }
      for (const { text, chunks } of rendered) {
        const clause = this.playout.openClause(text);
        this.opened++;
        for (const [samples, timings] of chunks) clause.push(samples, timings);
        clause.end();
      }
    });
  }

  private armFiller(): void {
    const { deps } = this;
    const wait = deps.committedAtMs + deps.options.fillerAfterMs - deps.clock.now();
    deps.clock.sleep(Math.max(0, wait), this.signal).then(
      () => {
        if (!this.playout.clauses.some((c) => !c.filler && c.frames.length > 0)) this.speakFiller();
      },
      () => {},
    );
  }

  /** One honest bridging phrase per turn, ahead of anything not yet playing. */
  private speakFiller(toolFiller?: string): void {
    const { deps } = this;
    if (this.fillerSpoken || this.signal.aborted || this.playout.isFlushed) return;
    this.fillerSpoken = true;
    const text = toolFiller ?? deps.options.fillerText;
    this.fillerText = text;
    deps.emit({ type: 'filler', turnId: deps.turnId, text, atMs: deps.clock.now() });
    const clause = this.playout.openClause(text, { front: true, filler: true });
    void this.synthesizeInto(clause, true);
  }

  private async synthesizeInto(clause: PlayoutClause, filler: boolean): Promise<void> {
    try {
      await this.synthesizeTo(clause.text, filler, (samples, timings) => clause.push(samples, timings));
    } finally {
      clause.end();
    }
  }

  /** Synthesizes text as 16 kHz samples; engine failures skip the clause with an error event. */
  private async synthesizeTo(
    text: string,
    filler: boolean,
    sink: (samples: Int16Array, timings?: readonly WordTiming[]) => void,
  ): Promise<void> {
    const { deps } = this;
    if (this.signal.aborted) return;
    this.ttsChars += text.length;
    let resampler: StreamingResampler | undefined;
    try {
      for await (const frame of deps.synthesizer.synthesize(text, this.signal)) {
        if (this.signal.aborted) return;
        if (!filler) deps.marks.ttsFirstAudio ??= deps.clock.now();
        let samples = frame.samples;
        if (frame.sampleRate !== SESSION_SAMPLE_RATE) {
          resampler ??= new StreamingResampler(frame.sampleRate, SESSION_SAMPLE_RATE);
          samples = resampler.process(frame.samples);
        }
        if (samples.length > 0 || frame.words) sink(samples, frame.words);
      }
      const tail = resampler?.flush();
      if (tail && tail.length > 0 && !this.signal.aborted) sink(tail);
    } catch (err) {
      if (isAbort(err, this.signal)) return;
      deps.emit({
        type: 'error',
        message: `synthesizer: ${(err as Error).message ?? String(err)}`,
        atMs: deps.clock.now(),
      });
    }
  }
}
