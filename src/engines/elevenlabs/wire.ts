/**
 * The ElevenLabs stream-input messages Parley reads, and word timings grouped from their
 * character alignment. Per the documentation, each message's `charStartTimesMs` are relative to
 * that message's audio chunk, not to the whole stream, so the aligner is told where the chunk
 * starts. https://elevenlabs.io/docs/api-reference/text-to-speech/v-1-text-to-speech-voice-id-stream-input
 */
import type { WordTiming } from '../types.js';
import { parseJsonObject } from '../websocket/json-frame.js';

export interface CharAlignment {
  chars: string[];
  charStartTimesMs: number[];
  charDurationsMs: number[];
}

/** A server message: audio with its alignment, the final marker, or an error. */
export interface StreamInputMessage {
  audio?: string;
  isFinal: boolean;
  alignment?: CharAlignment;
  error?: { code: string; message: string };
}

function numbers(value: unknown): number[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'number') ? (value as number[]) : undefined;
}

function alignmentOf(value: unknown): CharAlignment | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const a = value as Record<string, unknown>;
  const chars = Array.isArray(a.chars) && a.chars.every((c) => typeof c === 'string') ? a.chars : undefined;
  const starts = numbers(a.charStartTimesMs);
  // The reference names the field charsDurationsMs in one place; the wire says charDurationsMs.
  const durations = numbers(a.charDurationsMs) ?? numbers(a.charsDurationsMs);
  if (!chars || !starts || !durations) return undefined;
  if (starts.length !== chars.length || durations.length !== chars.length) return undefined;
  return { chars: chars as string[], charStartTimesMs: starts, charDurationsMs: durations };
}

/** Reads one text frame; undefined when it is not JSON of the documented shape. */
export function parseStreamInputMessage(text: string): StreamInputMessage | undefined {
  const m = parseJsonObject(text);
  if (!m) return undefined;
  if (typeof m.error === 'string' || (typeof m.message === 'string' && m.audio === undefined)) {
    return {
      isFinal: false,
      error: {
        code: typeof m.error === 'string' ? m.error : 'error',
        message: typeof m.message === 'string' ? m.message : String(m.error),
      },
    };
  }
  // `alignment` follows the text as sent; `normalizedAlignment` the text as normalized
  // ("4219" spelled out). History keeps the words Parley sent, so the first is preferred.
  const alignment = alignmentOf(m.alignment) ?? alignmentOf(m.normalizedAlignment);
  return {
    ...(typeof m.audio === 'string' && m.audio.length > 0 ? { audio: m.audio } : {}),
    isFinal: m.isFinal === true,
    ...(alignment ? { alignment } : {}),
  };
}

/**
 * Groups characters into whitespace-separated words as alignments arrive. A word may be
 * spelled across two messages; until its last character is seen it is "open", and the audio
 * from its start on is held back (its end is not known yet).
 */
export class CharWordAligner {
  private open: WordTiming | undefined;
  private ready: WordTiming[] = [];

  /** Adds one message's alignment whose chunk starts `offsetMs` into the clause's audio. */
  add(alignment: CharAlignment, offsetMs: number): void {
    alignment.chars.forEach((char, i) => {
      const startMs = offsetMs + (alignment.charStartTimesMs[i] as number);
      const endMs = startMs + (alignment.charDurationsMs[i] as number);
      if (/^\s*$/.test(char)) {
        this.close();
        return;
      }
      if (this.open) {
        this.open.word += char;
        this.open.endMs = Math.max(this.open.endMs, endMs);
      } else {
        this.open = { word: char, startMs, endMs };
      }
    });
  }

  /** Where the word still being spelled starts, if one is. */
  get openStartMs(): number | undefined {
    return this.open?.startMs;
  }

  /** The stream is over: the open word is complete. */
  finish(): void {
    this.close();
  }

  /** Completed words not taken yet. */
  take(): WordTiming[] {
    const words = this.ready;
    this.ready = [];
    return words;
  }

  private close(): void {
    if (this.open) this.ready.push(this.open);
    this.open = undefined;
  }
}
