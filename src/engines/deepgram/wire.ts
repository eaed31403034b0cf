/**
 * Deepgram's live transcription protocol (`/v1/listen` over WebSocket), as documented:
 * https://developers.deepgram.com/reference/speech-to-text/listen-streaming
 * Control messages: https://developers.deepgram.com/docs/finalize,
 * https://developers.deepgram.com/docs/audio-keep-alive, https://developers.deepgram.com/docs/close-stream.
 * Shared by the adapter and the local test server, so both speak the same shapes.
 */

/** Text frames a client sends; audio goes as binary frames of raw linear16. */
export type ClientControl = { type: 'Finalize' } | { type: 'KeepAlive' } | { type: 'CloseStream' };

export interface WireWord {
  word: string;
  /** Seconds from the start of the stream's audio. */
  start: number;
  end: number;
  confidence: number;
  punctuated_word?: string;
}

export interface WireAlternative {
  transcript: string;
  confidence: number;
  words: WireWord[];
}

/** A transcript of the audio from `start` for `duration` seconds (stream time: audio received). */
export interface ResultsMessage {
  type: 'Results';
  channel_index: number[];
  start: number;
  duration: number;
  /** This stretch will not be revised again. */
  is_final: boolean;
  /** The server's endpointing saw the speaker stop (with is_final). */
  speech_final: boolean;
  /** The answer to a Finalize message. */
  from_finalize?: boolean;
  channel: { alternatives: WireAlternative[] };
  metadata?: {
    request_id: string;
    model_info?: { name: string; version: string; arch: string };
    model_uuid?: string;
  };
}

/** With utterance_end_ms: a gap of that length followed the last finalized word. */
export interface UtteranceEndMessage {
  type: 'UtteranceEnd';
  channel: number[];
  last_word_end: number;
}

/** With vad_events=true: speech began at `timestamp` seconds. */
export interface SpeechStartedMessage {
  type: 'SpeechStarted';
  channel: number[];
  timestamp: number;
}

/** Sent after CloseStream (and at times during the stream). */
export interface MetadataMessage {
  type: 'Metadata';
  transaction_key: string;
  request_id: string;
  sha256: string;
  created: string;
  duration: number;
  channels: number;
}

/** An error the server reports in-band before it closes the stream. */
export interface ErrorMessage {
  type: 'Error';
  description?: string;
  message?: string;
  variant?: string;
  err_code?: string;
  err_msg?: string;
}

export type ServerMessage =
  | ResultsMessage
  | UtteranceEndMessage
  | SpeechStartedMessage
  | MetadataMessage
  | ErrorMessage;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A server text frame, or undefined for anything this client does not know (ignored, as the docs allow new types). */
export function parseServerMessage(text: string): ServerMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  switch (value.type) {
    case 'Results': {
      const channel = value.channel;
      if (!isRecord(channel) || !Array.isArray(channel.alternatives)) return undefined;
      if (typeof value.start !== 'number' || typeof value.duration !== 'number') return undefined;
      return value as unknown as ResultsMessage;
    }
    case 'UtteranceEnd':
    case 'SpeechStarted':
    case 'Metadata':
    case 'Error':
      return value as unknown as ServerMessage;
    default:
      return undefined;
  }
}

/** The best transcript of a Results message ('' when there is none). */
export function transcriptOf(message: ResultsMessage): string {
  const best = message.channel.alternatives[0];
  return typeof best?.transcript === 'string' ? best.transcript.trim() : '';
}

/** What an Error message says, whichever of the documented field names carries it. */
export function errorText(message: ErrorMessage): string {
  return (
    [message.description, message.message, message.err_msg, message.variant, message.err_code].find(
      (s): s is string => typeof s === 'string' && s.trim() !== '',
    ) ?? 'unspecified error'
  );
}

/** 16-bit samples as little-endian bytes (linear16), whatever the machine's byte order. */
export function linear16Bytes(samples: Int16Array): Buffer {
  const bytes = Buffer.allocUnsafe(samples.length * 2);
  for (let i = 0; i < samples.length; i++) bytes.writeInt16LE(samples[i] as number, i * 2);
  return bytes;
}

/** linear16 bytes back to samples (an odd trailing byte is dropped). */
export function samplesFromLinear16(bytes: Buffer): Int16Array {
  const out = new Int16Array(bytes.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readInt16LE(i * 2);
  return out;
}
