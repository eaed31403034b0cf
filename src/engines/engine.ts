/**
 * Engines as the runtime sees them: a loaded model or client (an "engine") that makes the
 * per-session parts (a VAD with its own state, a recognizer that adapts to one caller, a
 * synthesizer for a voice, a brain). Engines are created by name through the registry
 * (`registry.ts`) or handed to `createRuntime` as objects.
 */
import type { Clock } from '../clock.js';
import type { Brain, Recognizer, Synthesizer, Vad } from './types.js';

export type EngineKind = 'vad' | 'stt' | 'tts' | 'brain';

/** What every engine factory is given: where to keep caches, the chosen voice and model, the environment. */
export interface EngineSettings {
  /** Caches (built language models) and data. Default '.parley'. */
  dataDir: string;
  /** The runtime's default voice, when one was configured. */
  voice?: string;
  /** Recognizer language model: 'domain' (from the agent's phrases, default) or 'generic'. */
  lm: 'domain' | 'generic';
  /** Speaking-rate factor for the voice. Default 1. */
  speakingRate: number;
  /** Environment variables an engine may read (keys, URLs). Secrets never leave the engine. */
  env: Readonly<Record<string, string | undefined>>;
}

/** An engine of a fallback chain failed and the next one took over. */
export interface EngineFallbackEvent {
  kind: EngineKind;
  /** The engine that failed and the one taking over (their specs). */
  from: string;
  to: string;
  /** Why, without secrets (engine errors never carry keys). */
  reason: string;
  /** When it happened in a session. */
  sessionId?: string;
}

/** Per-session context for the parts an engine makes. */
export interface SessionEngineContext {
  sessionId: string;
  clock: Clock;
  /** Where a fallback chain reports a handover (the runtime logs and counts it). */
  report?(event: EngineFallbackEvent): void;
}

/** What a recognizer should expect: the agent's phrases (a domain model where the engine builds one). */
export interface RecognizerDomain {
  /** A stable key for caching (the agent name is not enough: two agents may share phrases). */
  phrases: readonly string[];
}

export interface VadEngine {
  readonly name: string;
  /** A VAD with its own recurrent state for one session. */
  createVad(ctx: SessionEngineContext): Vad | Promise<Vad>;
  close?(): Promise<void>;
}

/** A whole recording transcribed as fast as the engine goes (`parley transcribe`). */
export interface FileTranscription {
  text: string;
  /** Each distinct partial, stamped with the ms of audio decoded when it appeared. */
  partials: { text: string; atMs: number }[];
  /** Ms from the end of the audio to the final transcript. */
  finalLatencyMs: number;
  elapsedMs: number;
  audioMs: number;
}

export interface FileTranscriptionOptions {
  /** An engine-specific model reference the user named (a file or folder, or 'generic'). */
  model?: string;
  onPartial?(partial: { text: string; atMs: number }): void;
}

export interface RecognizerEngine {
  readonly name: string;
  /** Transcribes 16 kHz mono samples as one utterance, where the engine can. */
  transcribe?(samples: Int16Array, opts: FileTranscriptionOptions): Promise<FileTranscription>;
  /** Loads what `domain` needs ahead of the first call (a language model, say). */
  prepare?(domain: RecognizerDomain): Promise<void>;
  /**
   * One session's recognizer: it may adapt to this caller, never to another. The runtime closes it
   * when the session ends, so an engine sharing a model returns a view whose `close` keeps the model.
   */
  createRecognizer(domain: RecognizerDomain, ctx: SessionEngineContext): Promise<Recognizer>;
  close?(): Promise<void>;
}

export interface SynthesizerEngine {
  readonly name: string;
  /** Voices it speaks. */
  readonly voices: readonly string[];
  /** The voice of sessions that choose none (and whose agent prefers none). */
  readonly defaultVoice: string;
  /**
   * The session's synthesizer for `voice` (default: the engine's default). Throws EngineError for an
   * unknown voice. The runtime closes it when the session ends, so an engine sharing one synthesizer
   * among sessions returns a view without `close`.
   */
  synthesizer(voice: string | undefined, ctx: SessionEngineContext): Promise<Synthesizer>;
  close?(): Promise<void>;
}

/** The agent as a brain engine sees it. */
export interface BrainOwner {
  name: string;
  createBrain?(): Brain;
}

export interface BrainEngine {
  readonly name: string;
  /** The brain for one session of `agent`. Throws EngineError when it cannot serve this agent. */
  createBrain(agent: BrainOwner, ctx: SessionEngineContext): Brain;
  close?(): Promise<void>;
}

export interface EngineOf {
  vad: VadEngine;
  stt: RecognizerEngine;
  tts: SynthesizerEngine;
  brain: BrainEngine;
}

/**
 * Parameters written after the engine's name, `name:key=value,key=value` (the latency simulator's
 * `sim:ttftMs=450,tps=40`, say). Empty when the name has none.
 */
export type EngineParams = Readonly<Record<string, string>>;

/** Makes an engine from settings; called once per runtime and full name (parameters included). */
export type EngineFactory<K extends EngineKind> = (
  settings: EngineSettings,
  params: EngineParams,
) => Promise<EngineOf[K]>;
