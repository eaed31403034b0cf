/**
 * Test support for the control plane: runtimes that use the real brain wrapping, tool gateway
 * and audit path the server builds — one driven turn by turn without audio (DrivenRuntime), one
 * running real Sessions on deterministic engines fed by real audio (ScriptedRuntime).
 */
import type { AgentDefinition } from '../agent.js';
import type { AudioFrame } from '../audio/frame.js';
import { type Clock, SystemClock } from '../clock.js';
import type { SessionApi } from '../conversation/api.js';
import type { SessionEvent, SessionState, TurnTrace } from '../conversation/events.js';
import type { SessionOptions } from '../conversation/options.js';
import type { Brain, ChatMessage } from '../engines/types.js';
import type { EngineSettings } from '../engines/engine.js';
import { createRuntime, type EngineRef } from '../runtime/runtime.js';
import { scriptedEngines } from './scripted-engines.js';
import { createToolGateway, type ToolGateway } from '../tools/gateway.js';
import type {
  ControlRuntime,
  ControlSessionRequest,
  EngineOffer,
  SessionEngineChoice,
} from '../control/runtime-contract.js';

export class DrivenSession implements SessionApi {
  state: SessionState = 'listening';
  started = false;
  readonly pushed: AudioFrame[] = [];
  private readonly listeners = new Set<(e: SessionEvent) => void>();
  private readonly messages: ChatMessage[] = [];
  private readonly traceList: TurnTrace[] = [];
  private turnId = 0;
  private readonly reply = new AbortController();

  constructor(
    readonly id: string,
    readonly brain: Brain,
    readonly tools: ToolGateway,
    readonly options: Partial<SessionOptions>,
    private readonly clock: Clock,
  ) {}

  now(): number {
    return this.clock.now();
  }
  start(): void {
    this.started = true;
  }
  pushAudio(frame: AudioFrame): void {
    this.pushed.push(frame);
  }
  onAgentAudio(): () => void {
    return () => {};
  }
  onEvent(listener: (event: SessionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  setOutputLatencyMs(): void {}
  reportHeard(): void {}
  /** A text turn is answered like `userTurn`. */
  submitText(text: string): void {
    void this.userTurn(text).catch(() => {});
  }
  history(): ChatMessage[] {
    return [...this.messages];
  }
  traces(): TurnTrace[] {
    return [...this.traceList];
  }

  async close(reason = 'hangup'): Promise<void> {
    if (this.state === 'ended') return;
    this.reply.abort();
    this.state = 'ended';
    this.emit({ type: 'ended', reason, atMs: this.clock.now() });
  }

  emit(event: SessionEvent): void {
    for (const l of [...this.listeners]) l(event);
  }

  /** One committed user turn answered by the brain, tools through the gateway; returns its trace. */
  async userTurn(text: string, usage?: { inputTokens: number; outputTokens: number }): Promise<TurnTrace> {
    const turnId = ++this.turnId;
    const atMs = () => this.clock.now();
    this.emit({ type: 'turn_committed', turnId, text, reason: 'test', atMs: atMs() });
    this.messages.push({ role: 'user', content: text });
    const tools: TurnTrace['tools'] = [];
    let agentText = '';
    for (let round = 0; round < 3; round++) {
      let called = false;
      for await (const d of this.brain.respond(
        { messages: this.history(), tools: this.tools.specs() },
        this.reply.signal,
      )) {
        if (d.type === 'text') agentText += d.text;
        if (d.type !== 'tool_call') continue;
        called = true;
        const outcome = await this.tools.propose(
          { ...d.call, callId: d.call.id, sessionId: this.id, turnId, phase: 'committed' },
          this.reply.signal,
        );
        tools.push({ name: d.call.name, args: outcome.args, status: outcome.status });
        this.messages.push({
          role: 'tool',
          content: JSON.stringify(outcome),
          toolCallId: d.call.id,
          name: d.call.name,
        });
      }
      if (!called) break;
    }
    this.messages.push({ role: 'assistant', content: agentText });
    this.emit({ type: 'reply_done', turnId, text: agentText, interrupted: false, atMs: atMs() });
    if (usage)
      this.emit({ type: 'usage', ...usage, ttsChars: agentText.length, sttAudioMs: 1000, atMs: atMs() });
    const trace: TurnTrace = {
      turnId,
      userText: text,
      agentText,
      heardText: agentText,
      interrupted: false,
      discardedText: '',
      marks: { speechEnd: 0, committed: 1, playoutStart: 400 },
      ttfaMs: 400,
      tools,
    };
    this.traceList.push(trace);
    this.emit({ type: 'turn_trace', trace, atMs: atMs() });
    return trace;
  }
}

function requireBrain(agent: AgentDefinition): Brain {
  if (!agent.createBrain) throw new Error(`agent ${agent.name} has no embedded brain`);
  return agent.createBrain();
}

export class DrivenRuntime implements ControlRuntime {
  readonly sessions: DrivenSession[] = [];
  closed = false;

  constructor(private readonly clock: Clock = new SystemClock()) {}

  async createSession(opts: ControlSessionRequest): Promise<SessionApi> {
    const id = opts.id ?? `driven-${this.sessions.length}`;
    if (!opts.agent) throw new Error('DrivenRuntime needs an agent per session');
    const agent: AgentDefinition = opts.agent;
    const tools = createToolGateway({
      sessionId: id,
      ...(opts.tenant !== undefined ? { tenant: opts.tenant } : {}),
      tools: agent.tools,
      clock: this.clock,
      ...(opts.audit ? { audit: opts.audit } : {}),
    });
    const session = new DrivenSession(
      id,
      opts.brain ?? requireBrain(agent),
      tools,
      opts.options ?? {},
      this.clock,
    );
    this.sessions.push(session);
    return session;
  }

  find(id: string): DrivenSession {
    const s = this.sessions.find((x) => x.id === id);
    if (!s) throw new Error(`no driven session ${id}`);
    return s;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

export interface ScriptedRuntimeOptions {
  /** What each caller utterance is recognized as, in order (per session). */
  script: string[];
  clock?: Clock;
  /** Agent audio per character, ms. Default 5 (short replies keep tests quick). */
  msPerChar?: number;
  /** The agent of sessions that name none. */
  agent?: AgentDefinition;
  /** The brain engine, by registered name or as an object. Default: the agent's own brain. */
  brain?: EngineRef<'brain'>;
  /** Engine settings (`env` for engines configured by environment, such as 'openai'). */
  settings?: Partial<EngineSettings>;
}

/**
 * Real Sessions (turn detection, replies, playout, tools) composed by the real runtime on
 * deterministic engines: an energy VAD, a scripted recognizer and a tone synthesizer. Loud
 * audio is speech; its words come from the script.
 */
export class ScriptedRuntime implements ControlRuntime {
  private readonly clock: Clock;
  private readonly runtime: ControlRuntime;

  constructor(opts: ScriptedRuntimeOptions) {
    this.clock = opts.clock ?? new SystemClock();
    this.runtime = createRuntime({
      engines: {
        ...scriptedEngines({ script: opts.script, msPerChar: opts.msPerChar ?? 5, msPerWord: 60 }),
        brain: opts.brain ?? 'agent',
      },
      settings: { env: {}, ...opts.settings },
      ...(opts.agent ? { agent: opts.agent } : {}),
    });
  }

  createSession(o: ControlSessionRequest = {}): Promise<SessionApi> {
    return this.runtime.createSession({ clock: this.clock, ...o });
  }

  offers(): Promise<EngineOffer> {
    return this.runtime.offers?.() as Promise<EngineOffer>;
  }

  checkChoice(choice: SessionEngineChoice): Promise<void> {
    return this.runtime.checkChoice?.(choice) ?? Promise.resolve();
  }

  close(): Promise<void> {
    return this.runtime.close();
  }
}
