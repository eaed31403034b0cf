/**
 * The four model interfaces the conversation sees. Every engine is replaceable by
 * configuration; nothing outside engines/ and the composition root imports an adapter by name.
 */
import type { AudioFrame } from '../audio/frame.js';

/** Voice activity detection: speech probability per fixed-size frame. */
export interface Vad {
  /** Samples per call to `speechProbability` (512 at 16 kHz for Silero v5). */
  readonly frameSamples: number;
  readonly sampleRate: number;
  speechProbability(frame: Int16Array): Promise<number>;
  /** Forget recurrent state (between calls or after a long gap). */
  reset(): void;
  close?(): Promise<void>;
}

export interface Transcript {
  text: string;
  final: boolean;
  /** For finals: ms from `finish()` to the result. */
  latencyMs?: number;
}

export interface RecognitionOptions {
  /** Phrases likely in this turn (bias where the engine supports it). */
  hints?: string[];
}

export interface Recognizer {
  open(opts?: RecognitionOptions): Recognition;
  close?(): Promise<void>;
}

/** One utterance being recognized. Frames are 16 kHz mono. */
export interface Recognition {
  push(frame: AudioFrame): void;
  /** Partial hypotheses as audio arrives; ends after `finish()` or `close()`. */
  partials(): AsyncIterable<Transcript>;
  /** Flushes, returns the final transcript. */
  finish(): Promise<Transcript>;
  /** Abandons the utterance; pending work is dropped. */
  close(): void;
  /**
   * Audio the provider bills for this utterance, ms, when it is not the audio pushed (an engine
   * that re-sends the growing segment for partials, say). The cost meter counts this instead.
   */
  readonly billedAudioMs?: number;
  /**
   * How much of this utterance's audio (ms from its first pushed frame) the latest partial
   * accounts for, when the engine knows. Turn detection judges words only once they cover the
   * speech that ended: a recognizer lagging under load must not make "four two one" look final.
   */
  readonly decodedAudioMs?: number;
}

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ToolCallRequest {
  id: string;
  name: string;
  /** JSON text as proposed by the model; validated by tools/, never trusted. */
  arguments: string;
}

export interface ChatMessage {
  role: ChatRole;
  content: string;
  /** assistant: tool calls it proposed. */
  toolCalls?: ToolCallRequest[];
  /** tool: which call this answers. */
  toolCallId?: string;
  name?: string;
}

/** What a brain may call: JSON-schema parameters, as chat-completions APIs expect. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface BrainContext {
  messages: ChatMessage[];
  tools: ToolSpec[];
}

export type BrainDelta =
  | { type: 'text'; text: string }
  | { type: 'tool_call'; call: ToolCallRequest }
  | { type: 'usage'; inputTokens: number; outputTokens: number };

/** What a brain can do beyond answering; the runtime reads these instead of checking classes. */
export interface BrainCapabilities {
  /** It can write the call's rolling summary from a transcript (an LLM can; a rule engine cannot). */
  summaries?: boolean;
}

/** The LLM as seen from the conversation. Tool calls are proposals, executed by tools/. */
export interface Brain {
  readonly name: string;
  readonly capabilities?: BrainCapabilities;
  respond(ctx: BrainContext, signal: AbortSignal): AsyncIterable<BrainDelta>;
}

/** A spoken word and when it is heard, in ms from the start of its clause's audio. */
export interface WordTiming {
  word: string;
  startMs: number;
  endMs: number;
}

/**
 * A synthesizer's frame. Engines that know when each word is spoken (ElevenLabs alignment,
 * Cartesia timestamps) attach the timings they learned with this frame, so the history after a
 * barge-in keeps exactly the words that were played; without them it is estimated.
 */
export interface SpeechFrame extends AudioFrame {
  readonly words?: readonly WordTiming[];
}

export interface Synthesizer {
  /** Rate of the frames `synthesize` yields. */
  readonly sampleRate: number;
  readonly voice: string;
  /** Audio as it is made; frames' startMs are relative to the start of this text. */
  synthesize(text: string, signal: AbortSignal): AsyncIterable<SpeechFrame>;
  close?(): Promise<void>;
}

/** An engine failure carrying the fix in its message; never thrown past a session. */
export class EngineError extends Error {
  constructor(
    readonly engine: string,
    message: string,
    readonly fix?: string,
    options?: { cause?: unknown },
  ) {
    super(fix ? `${engine}: ${message}. Fix: ${fix}` : `${engine}: ${message}`, options);
    this.name = 'EngineError';
  }
}
