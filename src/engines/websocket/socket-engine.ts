/**
 * The engine around a WebSocket synthesizer, as the ElevenLabs and Cartesia adapters have it:
 * a fixed list of voice ids (the first the default), any other refused, and every synthesizer
 * still open closed with the engine (each holds a socket).
 */
import type { SynthesizerEngine } from '../engine.js';
import { chooseVoice } from '../provider-config.js';
import { EngineError, type Synthesizer } from '../types.js';

export interface SocketEngineOptions<S extends Synthesizer & { close(): Promise<void> }> {
  name: string;
  /** Non-empty; the first is the default. */
  voices: string[];
  /** Opens a synthesizer for `voice`, which calls `onClose` once it is closed. */
  create(voice: string, onClose: () => void): Promise<S>;
}

/** Throws unless `url` is a ws(s):// or http(s):// URL with a host. */
export function checkSocketUrl(url: string, engine: string, fix: string): void {
  if (!/^(wss?|https?):\/\/[^/]/.test(url)) {
    throw new EngineError(engine, `'${url}' is not a WebSocket URL`, fix);
  }
}

export function socketSynthesizerEngine<S extends Synthesizer & { close(): Promise<void> }>(
  opts: SocketEngineOptions<S>,
): SynthesizerEngine {
  const { name, voices } = opts;
  const defaultVoice = voices[0] as string;
  const synthesizers = new Set<S>();
  return {
    name,
    voices,
    defaultVoice,
    async synthesizer(voice) {
      const chosen = chooseVoice(
        voice,
        { name, voices, defaultVoice },
        (v) => `voice '${v}' is not configured`,
        `${name}:voices=id1|id2`,
      );
      const synthesizer: S = await opts.create(chosen, () => synthesizers.delete(synthesizer));
      synthesizers.add(synthesizer);
      return synthesizer;
    },
    async close() {
      await Promise.allSettled([...synthesizers].map((s) => s.close()));
      synthesizers.clear();
    },
  };
}
