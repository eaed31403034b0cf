/**
 * The Cartesia TTS WebSocket messages Parley sends and reads.
 * https://docs.cartesia.ai/api-reference/tts/websocket
 * Responses carry the request's `context_id`: `chunk` (base64 audio in `data`), `timestamps`
 * (`word_timestamps` {words, start, end} in seconds from the start of the context's audio),
 * `done`, `flush_done`, `phoneme_timestamps` and `error` (`title`/`message`, or `error` in
 * older API versions, with `status_code`).
 */
import type { WordTiming } from '../types.js';
import { parseJsonObject } from '../websocket/json-frame.js';

export const CARTESIA_SAMPLE_RATE = 16_000;

export interface GenerationRequest {
  model_id: string;
  transcript: string;
  voice: { mode: 'id'; id: string };
  language: string;
  context_id: string;
  output_format: { container: 'raw'; encoding: 'pcm_s16le'; sample_rate: number };
  add_timestamps: boolean;
  continue: boolean;
  generation_config?: { speed: number };
}

export type CartesiaMessage =
  | { type: 'chunk'; contextId: string; data: string }
  | { type: 'timestamps'; contextId: string; words: WordTiming[] }
  | { type: 'done'; contextId: string }
  | {
      type: 'error';
      contextId: string | undefined;
      status: number | undefined;
      code: string;
      message: string;
    }
  | { type: 'other'; contextId: string | undefined };

function wordTimings(value: unknown): WordTiming[] {
  if (!value || typeof value !== 'object') return [];
  const { words, start, end } = value as Record<string, unknown>;
  if (!Array.isArray(words) || !Array.isArray(start) || !Array.isArray(end)) return [];
  const out: WordTiming[] = [];
  words.forEach((word, i) => {
    const s = start[i];
    const e = end[i];
    if (typeof word === 'string' && typeof s === 'number' && typeof e === 'number') {
      out.push({ word, startMs: s * 1000, endMs: e * 1000 });
    }
  });
  return out;
}

/** Reads one text frame; undefined when it is not JSON. */
export function parseCartesiaMessage(text: string): CartesiaMessage | undefined {
  const m = parseJsonObject(text);
  if (!m) return undefined;
  const contextId = typeof m.context_id === 'string' ? m.context_id : undefined;
  if (m.type === 'error' || (typeof m.error === 'string' && m.type === undefined)) {
    const title = typeof m.title === 'string' ? m.title : '';
    const detail = typeof m.message === 'string' ? m.message : typeof m.error === 'string' ? m.error : '';
    return {
      type: 'error',
      contextId,
      status: typeof m.status_code === 'number' ? m.status_code : undefined,
      code: typeof m.error_code === 'string' ? m.error_code : 'error',
      message: [title, detail].filter(Boolean).join(': ') || 'unknown error',
    };
  }
  if (!contextId) return { type: 'other', contextId };
  if (m.type === 'chunk' && typeof m.data === 'string') return { type: 'chunk', contextId, data: m.data };
  if (m.type === 'timestamps')
    return { type: 'timestamps', contextId, words: wordTimings(m.word_timestamps) };
  if (m.type === 'done') return { type: 'done', contextId };
  return { type: 'other', contextId };
}
