/**
 * The runtime: engines (by registered name or as objects) + an agent → sessions. Engines load
 * once and are shared; each session gets its own VAD state, recognizer view, tool gateway and
 * brain. The embedded offline stack is one preset of names (`embedded.ts`).
 */
import { randomUUID } from 'node:crypto';
import { type Agent, type AgentDefinition, isAgent } from '../agent.js';
import { type Clock, SystemClock } from '../clock.js';
import type { SessionApi } from '../conversation/api.js';
import type { SessionOptions } from '../conversation/options.js';
import { Session } from '../conversation/session.js';
import {
  DEFAULT_RETRY_PRIMARY_AFTER_MS,
  isEngineAvailable,
  engineNames as registeredNames,
} from '../engines/catalog.js';
import type {
  EngineFallbackEvent,
  EngineKind,
  EngineOf,
  EngineSettings,
  SessionEngineContext,
} from '../engines/engine.js';
import { type Brain, EngineError, type Synthesizer } from '../engines/types.js';
import { createToolGateway } from '../tools/gateway.js';
import type { AuditSink } from '../tools/types.js';
import { agentDataDir } from './agent-data.js';
import { composeEngine, specNames } from './compose.js';

/** An engine by registered name, or an engine object of the caller's own. */
export type EngineRef<K extends EngineKind> = string | EngineOf[K];

/**
 * Which engine of each kind a runtime uses by default. A list (or a comma-separated spec) is a
 * fallback chain: the first engine that works serves, the next takes over when it fails.
 */
export interface RuntimeEngines {
  vad?: EngineRef<'vad'>;
  stt?: EngineRef<'stt'> | EngineRef<'stt'>[];
  tts?: EngineRef<'tts'> | EngineRef<'tts'>[];
  brain?: EngineRef<'brain'> | EngineRef<'brain'>[];
}

/** A session's own choice among the engines the runtime offers, by name. */
export interface SessionEngineChoice {
  stt?: string;
  tts?: string;
  brain?: string;
  /** A voice of the chosen synthesizer engine. */
  voice?: string;
}

export interface RuntimeOptions {
  /** Default: the embedded preset (`EMBEDDED_ENGINES`). */
  engines?: RuntimeEngines;
  /** The agent of sessions that name none. */
  agent?: Agent | AgentDefinition;
  /** Engine settings (data folder, default voice, language model, speaking rate, environment). */
  settings?: Partial<EngineSettings>;
  /**
   * Engine names sessions may choose, per kind. Default: every registered name plus the
   * engine objects given in `engines`.
   */
  offer?: Partial<Record<Exclude<EngineKind, 'vad'>, string[]>>;
  /** After a fallback chain hands over, a session stays on the fallback this long before retrying the failed engine. Default 30000 ms. */
  retryPrimaryAfterMs?: number;
}

export interface CreateSessionOptions {
  /** Default: the runtime's agent. */
  agent?: AgentDefinition;
  /** Default: a random UUID. */
  id?: string;
  /** Whose data the session's tools may touch (ToolContext.tenant). Default `DEFAULT_TENANT`. */
  tenant?: string;
  /** Default: the wall clock (SystemClock). */
  clock?: Clock;
  audit?: AuditSink;
  options?: Partial<SessionOptions>;
  /** Engines by name among those offered; defaults are the runtime's. */
  engines?: SessionEngineChoice;
  /** A brain instead of the brain engine's (tests, benchmarks). */
  brain?: Brain;
  /** Wraps the session's brain (the control plane's budget guard); capabilities are read before wrapping. */
  wrapBrain?: (brain: Brain) => Brain;
  /** A synthesizer instead of the engine's (an instrumented one, say). */
  synthesizer?: Synthesizer;
}

/** What a runtime lets sessions choose. */
export interface EngineOffer {
  stt: string[];
  tts: string[];
  brain: string[];
  /** Voices of the default synthesizer engine. */
  voices: string[];
  /** The defaults. */
  defaults: { vad: string; stt: string; tts: string; brain: string; voice: string };
}

export interface Runtime {
  createSession(opts?: CreateSessionOptions): Promise<SessionApi>;
  /** Loads what `agent` (default: the runtime's) needs before the first call, so it starts at once. */
  prepare?(agent?: AgentDefinition): Promise<void>;
  /** Loads the default engines now, so a broken install or a missing setting fails here, with its fix. */
  warm?(): Promise<void>;
  /** Engine names sessions may choose; loads the default synthesizer to list its voices. */
  offers?(): Promise<EngineOffer>;
  /** Throws EngineChoiceError when `choice` names an engine or voice this runtime does not offer. */
  checkChoice?(choice: SessionEngineChoice): Promise<void>;
  /**
   * Hears every handover of a fallback chain (an engine failed, the next took over); returns the
   * unsubscribe. With no listener, handovers are process warnings.
   */
  onEngineFallback?(listener: (event: EngineFallbackEvent) => void): () => void;
  close(): Promise<void>;
}

/** A session asked for an engine or a voice the runtime does not offer; `allowed` lists what it does. */
export class EngineChoiceError extends EngineError {
  constructor(
    readonly code: 'unknown_engine' | 'unknown_voice',
    readonly detail: string,
    readonly allowed: readonly string[],
  ) {
    super('runtime', detail, `choose one of: ${allowed.join(', ')}`);
    this.name = 'EngineChoiceError';
  }
}

/** Defaults of `RuntimeOptions.settings`; `env` defaults to `process.env`. */
export const DEFAULT_SETTINGS: Omit<EngineSettings, 'env'> = {
  dataDir: '.parley',
  lm: 'domain',
  speakingRate: 1,
};

class EngineRuntime implements Runtime {
  private readonly loaded = new Map<string, Promise<EngineOf[EngineKind]>>();
  private readonly given = new Map<string, EngineOf[EngineKind]>();
  private readonly defaults: Record<EngineKind, string>;
  private readonly sessions = new Set<SessionApi>();
  private readonly fallbackListeners = new Set<(event: EngineFallbackEvent) => void>();
  private agent: Promise<AgentDefinition> | undefined;
  private closed = false;

  constructor(
    engines: Required<RuntimeEngines>,
    private readonly settings: EngineSettings,
    private readonly agentSource: Agent | AgentDefinition | undefined,
    private readonly offer: RuntimeOptions['offer'],
    private readonly retryPrimaryAfterMs: number,
  ) {
    const name = <K extends EngineKind>(kind: K, ref: EngineRef<K> | EngineRef<K>[]): string => {
      if (Array.isArray(ref)) return ref.map((r) => name(kind, r)).join(',');
      if (typeof ref === 'string') return ref;
      this.given.set(`${kind}:${ref.name}`, ref);
      return ref.name;
    };
    this.defaults = {
      vad: name('vad', engines.vad),
      stt: name('stt', engines.stt),
      tts: name('tts', engines.tts),
      brain: name('brain', engines.brain),
    };
  }

  /** The engine `name` of `kind`, created once; a failed creation is retried by the next caller. */
  engine<K extends EngineKind>(kind: K, name: string = this.defaults[kind]): Promise<EngineOf[K]> {
    const key = `${kind}:${name}`;
    const given = this.given.get(key);
    if (given) return Promise.resolve(given as EngineOf[K]);
    let engine = this.loaded.get(key) as Promise<EngineOf[K]> | undefined;
    if (!engine) {
      engine = this.make(kind, name);
      engine.catch(() => this.loaded.delete(key));
      this.loaded.set(key, engine as Promise<EngineOf[EngineKind]>);
    }
    return engine;
  }

  private make<K extends EngineKind>(kind: K, spec: string): Promise<EngineOf[K]> {
    return composeEngine(kind, spec, {
      engine: (k, name) => this.engine(k, name),
      settings: this.settings,
      chain: { retryPrimaryAfterMs: this.retryPrimaryAfterMs, report: (event) => this.emitFallback(event) },
    });
  }

  onEngineFallback(listener: (event: EngineFallbackEvent) => void): () => void {
    this.fallbackListeners.add(listener);
    return () => this.fallbackListeners.delete(listener);
  }

  private emitFallback(event: EngineFallbackEvent): void {
    if (this.fallbackListeners.size === 0) {
      process.emitWarning(
        `${event.kind} engine ${event.from} failed, ${event.to} took over: ${event.reason}`,
      );
      return;
    }
    for (const listener of this.fallbackListeners) listener(event);
  }

  private defaultAgent(): Promise<AgentDefinition> {
    const source = this.agentSource;
    if (!source) {
      return Promise.reject(
        new EngineError('runtime', 'no agent given', 'pass `agent` to createRuntime or createSession'),
      );
    }
    if (!this.agent) {
      this.agent = isAgent(source)
        ? source.create({ dataDir: agentDataDir(this.settings.dataDir, source.name), ephemeral: false })
        : Promise.resolve(source);
      this.agent.catch(() => {
        this.agent = undefined;
      });
    }
    return this.agent;
  }

  async checkChoice(choice: SessionEngineChoice): Promise<void> {
    for (const kind of ['stt', 'tts', 'brain'] as const) {
      const name = choice[kind];
      if (name === undefined || name === this.defaults[kind]) continue;
      const offered = this.offered(kind);
      // A chain of offered engines is offered too.
      const offeredNames = new Set(offered.flatMap((o) => specNames(o)));
      const parts = specNames(name);
      if (!offered.includes(name) && (parts.length === 0 || !parts.every((p) => offeredNames.has(p))))
        throw new EngineChoiceError(
          'unknown_engine',
          `${kind} engine '${name}' is not offered here`,
          offered,
        );
    }
    if (choice.voice === undefined) return;
    const tts = await this.engine('tts', choice.tts);
    if (!tts.voices.includes(choice.voice)) {
      throw new EngineChoiceError(
        'unknown_voice',
        `voice '${choice.voice}' is not a voice of the ${tts.name} synthesizer`,
        tts.voices,
      );
    }
  }

  private offered(kind: Exclude<EngineKind, 'vad'>): string[] {
    const listed = this.offer?.[kind];
    if (listed) return [...new Set([this.defaults[kind], ...listed])];
    const given = [...this.given.keys()]
      .filter((k) => k.startsWith(`${kind}:`))
      .map((k) => k.slice(kind.length + 1));
    const usable = registeredNames(kind).filter((name) => isEngineAvailable(kind, name, this.settings));
    return [...new Set([this.defaults[kind], ...given, ...usable])];
  }

  async offers(): Promise<EngineOffer> {
    const tts = await this.engine('tts');
    return {
      stt: this.offered('stt'),
      tts: this.offered('tts'),
      brain: this.offered('brain'),
      voices: [...tts.voices],
      defaults: { ...this.defaults, voice: tts.defaultVoice },
    };
  }

  async warm(): Promise<void> {
    await Promise.all([this.engine('vad'), this.engine('stt'), this.engine('tts'), this.engine('brain')]);
  }

  async prepare(agent?: AgentDefinition): Promise<void> {
    const a = agent ?? (await this.defaultAgent());
    const [stt, , , brain] = await Promise.all([
      this.engine('stt'),
      this.engine('vad'),
      this.engine('tts'),
      this.engine('brain'),
    ]);
    await stt.prepare?.({ phrases: a.phraseTemplates });
    // An agent the default brain cannot serve (no brain of its own, no LLM) fails here, not in every call.
    brain.createBrain(a, { sessionId: 'prepare', clock: new SystemClock() });
  }

  async createSession(o: CreateSessionOptions = {}): Promise<SessionApi> {
    if (this.closed) throw new EngineError('runtime', 'the runtime is closed');
    const choice = o.engines ?? {};
    await this.checkChoice(choice);
    const agent = o.agent ?? (await this.defaultAgent());
    const id = o.id ?? randomUUID();
    const clock = o.clock ?? new SystemClock();
    const ctx: SessionEngineContext = {
      sessionId: id,
      clock,
      report: (event) => this.emitFallback({ ...event, sessionId: id }),
    };
    const [vadEngine, sttEngine, ttsEngine, brainEngine] = await Promise.all([
      this.engine('vad'),
      this.engine('stt', choice.stt),
      this.engine('tts', choice.tts),
      o.brain ? undefined : this.engine('brain', choice.brain),
    ]);
    const synthesizer =
      o.synthesizer ??
      (await ttsEngine.synthesizer(voiceFor(ttsEngine, choice.voice, this.settings.voice, agent), ctx));
    const recognizer = await sttEngine.createRecognizer({ phrases: agent.phraseTemplates }, ctx);
    const own = o.brain ?? (brainEngine as EngineOf['brain']).createBrain(agent, ctx);
    const brain = o.wrapBrain ? o.wrapBrain(own) : own;
    const tools = createToolGateway({
      sessionId: id,
      ...(o.tenant !== undefined ? { tenant: o.tenant } : {}),
      tools: agent.tools,
      clock,
      ...(o.audit ? { audit: o.audit } : {}),
    });
    const session = new Session(
      {
        id,
        clock,
        vad: await vadEngine.createVad(ctx),
        recognizer,
        synthesizer,
        brain,
        tools,
        agent,
        ...(agent.prepare ? { prepare: agent.prepare.bind(agent) } : {}),
      },
      // A brain that can summarize writes the call's summary; options may still say otherwise.
      { ...(own.capabilities?.summaries ? { summarizer: 'brain' as const } : {}), ...o.options },
    );
    this.sessions.add(session);
    session.onEvent((e) => {
      if (e.type !== 'ended') return;
      this.sessions.delete(session);
      // The session's own parts (a cloud stream, a socket) end with it; shared models stay loaded.
      void recognizer.close?.().catch(() => {});
      if (!o.synthesizer) void synthesizer.close?.().catch(() => {});
    });
    return session;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.sessions].map((s) => s.close('runtime closed')));
    const engines = await Promise.allSettled(this.loaded.values());
    await Promise.allSettled(engines.map((r) => (r.status === 'fulfilled' ? r.value.close?.() : undefined)));
    const agent = await this.agent?.catch(() => undefined);
    if (agent && isAgent(this.agentSource)) await agent.close?.();
  }
}

/**
 * The session's voice if it chose one (checked by `checkChoice`); else the voice the operator
 * configured (flag or environment) if this engine has it; else the agent's preference if the engine has it; else the
 * engine's default.
 */
function voiceFor(
  engine: EngineOf['tts'],
  chosen: string | undefined,
  configured: string | undefined,
  agent: AgentDefinition,
): string {
  if (chosen !== undefined) return chosen;
  // The operator's voice is a voice of some engine: a cloud engine in front of the embedded one keeps its own.
  if (configured !== undefined && engine.voices.includes(configured)) return configured;
  if (agent.voice !== undefined && engine.voices.includes(agent.voice)) return agent.voice;
  return engine.defaultVoice;
}

/**
 * A runtime on `engines` (default: the embedded offline preset, with the LLM brain when
 * PARLEY_LLM_BASE_URL is set in `settings.env`). Engines load on first use or `prepare()`.
 */
export function createRuntime(opts: RuntimeOptions = {}): Runtime {
  const settings: EngineSettings = { ...DEFAULT_SETTINGS, env: process.env, ...opts.settings };
  const engines: Required<RuntimeEngines> = {
    vad: opts.engines?.vad ?? 'silero',
    stt: opts.engines?.stt ?? 'embedded',
    tts: opts.engines?.tts ?? 'embedded',
    brain: opts.engines?.brain ?? (settings.env.PARLEY_LLM_BASE_URL?.trim() ? 'openai' : 'agent'),
  };
  return new EngineRuntime(
    engines,
    settings,
    opts.agent,
    opts.offer,
    opts.retryPrimaryAfterMs ?? DEFAULT_RETRY_PRIMARY_AFTER_MS,
  );
}

/** `createRuntime`, then its default engines loaded: a broken install or a missing setting fails here, with its fix. */
export async function createWarmRuntime(opts: RuntimeOptions = {}): Promise<Runtime> {
  const runtime = createRuntime(opts);
  try {
    await runtime.warm?.();
  } catch (err) {
    await runtime.close();
    throw err;
  }
  return runtime;
}
