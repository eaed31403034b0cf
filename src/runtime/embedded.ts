/**
 * The embedded runtime: Parley's offline engines loaded once (Silero VAD, pocketsphinx with the
 * agent's domain language model, flite/espeak-ng), shared by every session, with per-session
 * state (VAD recurrent state, recognitions, tool gateway, brain) made per session.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { AgentDefinition } from '../agent.js';
import { type Clock, SystemClock } from '../clock.js';
import type { SessionApi } from '../conversation/api.js';
import type { SessionOptions } from '../conversation/options.js';
import { Session } from '../conversation/session.js';
import { ensureDomainLm } from '../engines/pocketsphinx/domain-lm.js';
import { PocketsphinxRecognizer } from '../engines/pocketsphinx/recognizer.js';
import { SileroVadModel } from '../engines/silero/silero-vad.js';
import { createSynthesizer, DEFAULT_VOICE, isVoiceName, type VoiceName } from '../engines/tts.js';
import { type Brain, EngineError, type Synthesizer } from '../engines/types.js';
import { createToolGateway } from '../tools/gateway.js';
import type { AuditSink } from '../tools/types.js';
import { sessionBrain } from './brain-from-env.js';

export interface EmbeddedRuntimeOptions {
  /** Where built language models (and app data, for callers that put it there) live. Default '.parley'. */
  dataDir?: string;
  /** The agent's voice. Default 'slt'. */
  voice?: VoiceName;
  /** 'domain' (default): a language model built from the agent's phrase templates; 'generic': stock en-us. */
  lm?: 'domain' | 'generic';
  /** Speaking-rate factor for the voice. Default 1. */
  speakingRate?: number;
}

export interface CreateSessionOptions {
  /** The agent; its optional `prepare` hook prefetches read-only calls on partials. */
  agent: AgentDefinition;
  /** Default: a random UUID. */
  id?: string;
  /** Default: the wall clock (SystemClock). */
  clock?: Clock;
  audit?: AuditSink;
  options?: Partial<SessionOptions>;
  /**
   * Default: the LLM named by PARLEY_LLM_* variables, else `agent.createBrain()`. An LLM brain
   * also sets `summarizer: 'brain'` unless `options` says otherwise.
   */
  brain?: Brain;
  /** Default: the runtime's voice (another voice, or an instrumented one for benchmarks). */
  synthesizer?: Synthesizer;
}

export interface Runtime {
  createSession(opts: CreateSessionOptions): Promise<SessionApi>;
  /** Loads what `agent` needs (its language model) ahead of the first call, so it starts at once. */
  prepare?(agent: AgentDefinition): Promise<void>;
  close(): Promise<void>;
}

class EmbeddedRuntime implements Runtime {
  /** One recognizer per distinct language model, shared by all sessions of agents using it. */
  private readonly recognizers = new Map<string, Promise<PocketsphinxRecognizer>>();
  private readonly sessions = new Set<SessionApi>();
  private closed = false;

  constructor(
    private readonly vadModel: SileroVadModel,
    private readonly synthesizer: Synthesizer,
    private readonly dataDir: string,
    private readonly lm: 'domain' | 'generic',
  ) {}

  private recognizerFor(agent: AgentDefinition): Promise<PocketsphinxRecognizer> {
    const domain = this.lm === 'domain' && agent.phraseTemplates.length > 0;
    const key = domain ? JSON.stringify([...agent.phraseTemplates].sort()) : 'generic';
    let recognizer = this.recognizers.get(key);
    if (!recognizer) {
      recognizer = domain
        ? ensureDomainLm(agent.phraseTemplates, join(this.dataDir, 'lm')).then((lm) =>
            PocketsphinxRecognizer.create({ lm }),
          )
        : PocketsphinxRecognizer.create({ lm: 'generic' });
      // A failed load is not cached: the next session retries (after the fix, say).
      recognizer.catch(() => this.recognizers.delete(key));
      this.recognizers.set(key, recognizer);
    }
    return recognizer;
  }

  async prepare(agent: AgentDefinition): Promise<void> {
    await this.recognizerFor(agent);
  }

  async createSession(opts: CreateSessionOptions): Promise<SessionApi> {
    if (this.closed) throw new EngineError('runtime', 'the runtime is closed');
    const { agent } = opts;
    const id = opts.id ?? randomUUID();
    const clock = opts.clock ?? new SystemClock();
    const recognizer = await this.recognizerFor(agent);
    const tools = createToolGateway({
      sessionId: id,
      tools: agent.tools,
      clock,
      ...(opts.audit ? { audit: opts.audit } : {}),
    });
    const { brain, options: brainOptions } = sessionBrain(agent, opts.brain);
    const session = new Session(
      {
        id,
        clock,
        vad: this.vadModel.createVad(),
        recognizer: recognizer.forSession(),
        synthesizer: opts.synthesizer ?? this.synthesizer,
        brain,
        tools,
        agent,
        ...(agent.prepare ? { prepare: agent.prepare.bind(agent) } : {}),
      },
      { ...brainOptions, ...opts.options },
    );
    this.sessions.add(session);
    session.onEvent((e) => {
      if (e.type === 'ended') this.sessions.delete(session);
    });
    return session;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.sessions].map((s) => s.close('runtime closed')));
    const recognizers = await Promise.allSettled(this.recognizers.values());
    await Promise.allSettled(
      recognizers.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)),
    );
    await Promise.allSettled([this.synthesizer.close?.(), this.vadModel.close()]);
  }
}

/** Loads the VAD model and the synthesizer; recognizers load per agent on first use (or `prepare`). */
export async function createEmbeddedRuntime(opts: EmbeddedRuntimeOptions = {}): Promise<Runtime> {
  const voice = opts.voice ?? DEFAULT_VOICE;
  const [vadModel, synthesizer] = await Promise.all([
    SileroVadModel.load(),
    createSynthesizer(voice, opts.speakingRate !== undefined ? { rate: opts.speakingRate } : {}),
  ]);
  return new EmbeddedRuntime(vadModel, synthesizer, opts.dataDir ?? '.parley', opts.lm ?? 'domain');
}

/**
 * The runtime as the environment configures it: PARLEY_DATA_DIR, PARLEY_VOICE (slt, rms, awb,
 * kal16, espeak), PARLEY_LM (domain or generic). Brains come from PARLEY_LLM_* per session.
 */
export async function createRuntimeFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Runtime> {
  const opts: EmbeddedRuntimeOptions = {};
  if (env.PARLEY_DATA_DIR) opts.dataDir = env.PARLEY_DATA_DIR;
  if (env.PARLEY_VOICE) {
    if (!isVoiceName(env.PARLEY_VOICE)) {
      throw new EngineError(
        'runtime',
        `PARLEY_VOICE '${env.PARLEY_VOICE}' is not a voice`,
        'use slt, rms, awb, kal16 or espeak',
      );
    }
    opts.voice = env.PARLEY_VOICE;
  }
  if (env.PARLEY_LM) {
    if (env.PARLEY_LM !== 'domain' && env.PARLEY_LM !== 'generic') {
      throw new EngineError(
        'runtime',
        `PARLEY_LM '${env.PARLEY_LM}' is not a language model choice`,
        'use domain or generic',
      );
    }
    opts.lm = env.PARLEY_LM;
  }
  return createEmbeddedRuntime(opts);
}
