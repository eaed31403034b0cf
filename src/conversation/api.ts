/**
 * The Session as transports, the control plane and the evaluator see it. Media never reaches
 * further into conversation/ than this.
 */
import type { AudioFrame } from '../audio/frame.js';
import type { ChatMessage } from '../engines/types.js';
import type { SessionEvent, SessionState, TurnTrace } from './events.js';

/** What `history()` returns, for transports that never import engines. */
export type { ChatMessage } from '../engines/types.js';

export interface SessionApi {
  readonly id: string;
  readonly state: SessionState;
  /** The session clock's time, in ms: the timeline caller frames and event `atMs` are on. */
  now(): number;
  /** Starts the session clock work (greeting, idle check-ins). */
  start(): void;
  /** Caller audio: 16 kHz mono frames in arrival order. Malformed frames are refused with an error event. */
  pushAudio(frame: AudioFrame): void;
  /**
   * Agent audio, 16 kHz mono 20 ms frames, emitted at real-time pace on the session clock.
   * A frame emitted is considered sent; after a barge-in decision no further frame is emitted.
   */
  onAgentAudio(listener: (frame: AudioFrame) => void): () => void;
  onEvent(listener: (event: SessionEvent) => void): () => void;
  /**
   * How much audio sits between emission and the caller's ear (jitter buffer, device), in ms.
   * Used to decide what was heard at an interruption. Transports set it; clients may refine it.
   */
  setOutputLatencyMs(ms: number): void;
  /**
   * A caller turn given as text instead of speech (keyed digits, a typed message): it cuts in
   * over any reply going and is answered like a spoken turn.
   */
  submitText(text: string): void;
  /**
   * Cuts the reply going (thinking, held or audible) as a barge-in would: what the caller heard
   * (emitted audio minus the output latency) stays in history, the rest is discarded; emits
   * `interrupted` and then `reply_done` with `interrupted: true`. Returns false when no reply was
   * going. Optional: sessions without it cannot be cancelled by a client (Realtime `response.cancel`).
   */
  cancelReply?(): boolean;
  /**
   * Instructions a client adds to the agent's persona for the rest of the call (the Realtime
   * protocol's `instructions`); the agent's own persona stays first. Empty text removes them.
   */
  setInstructions?(text: string): void;
  /** A client's report that agent audio of `turnId` became audible at session time `atMs`. */
  reportHeard(turnId: number, atMs: number): void;
  /** The conversation as the brain sees it: committed user turns, heard agent text, tool calls. */
  history(): ChatMessage[];
  traces(): TurnTrace[];
  /** Hangs up: cancels any reply, emits `ended`, releases engines' per-session state. */
  close(reason?: string): Promise<void>;
}

/** Events as an AsyncIterable (one streaming style), ending when the session ends or `signal` fires. */
export function sessionEvents(session: SessionApi, signal?: AbortSignal): AsyncIterable<SessionEvent> {
  return {
    [Symbol.asyncIterator]() {
      const queue: SessionEvent[] = [];
      let wake: (() => void) | undefined;
      let done = false;
      const unsubscribe = session.onEvent((e) => {
        queue.push(e);
        if (e.type === 'ended') done = true;
        wake?.();
      });
      const stop = () => {
        done = true;
        wake?.();
      };
      signal?.addEventListener('abort', stop, { once: true });
      return {
        async next(): Promise<IteratorResult<SessionEvent>> {
          for (;;) {
            const e = queue.shift();
            if (e) return { value: e, done: false };
            if (done || signal?.aborted) {
              unsubscribe();
              return { value: undefined, done: true };
            }
            await new Promise<void>((r) => {
              wake = r;
            });
            wake = undefined;
          }
        },
        async return(): Promise<IteratorResult<SessionEvent>> {
          unsubscribe();
          signal?.removeEventListener('abort', stop);
          return { value: undefined, done: true };
        },
      };
    },
  };
}
