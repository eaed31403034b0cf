/**
 * Twilio Media Streams messages, per https://www.twilio.com/docs/voice/media-streams/websocket-messages.
 *
 * From Twilio: `connected` (first, protocol and version), `start` (streamSid, callSid, accountSid,
 * tracks, customParameters from the TwiML `<Parameter>`s, mediaFormat audio/x-mulaw 8000 Hz mono),
 * `media` (track, chunk, timestamp in ms since the stream started, base64 μ-law payload), `dtmf`
 * (track, digit), `mark` (the name we sent, once the audio before it has played or a `clear` dropped
 * it) and `stop` (accountSid, callSid). To Twilio: `media` (streamSid, base64 μ-law payload), `mark`
 * (streamSid, name) and `clear` (streamSid: drop the audio buffered for playback).
 *
 * Nothing from the socket is trusted: every field is checked here and a bad message is reported,
 * never thrown.
 */

export type CarrierMessage =
  | { event: 'connected'; protocol?: string; version?: string }
  | {
      event: 'start';
      streamSid: string;
      callSid: string;
      accountSid: string;
      customParameters: Record<string, string>;
      encoding: string;
      sampleRate: number;
      channels: number;
    }
  | { event: 'media'; track: string; timestampMs: number | undefined; payload: Uint8Array }
  | { event: 'dtmf'; digit: string }
  | { event: 'mark'; name: string }
  | { event: 'stop'; callSid: string };

export type ParsedCarrierMessage =
  | { ok: true; message: CarrierMessage }
  | { ok: false; code: string; reason: string };

/** Largest text message accepted. A 20 ms media message is about 300 bytes; Twilio sends no large ones. */
export const MAX_CARRIER_MESSAGE_BYTES = 64 * 1024;
/** Largest media payload accepted: one second of 8 kHz μ-law. */
export const MAX_MEDIA_PAYLOAD_BYTES = 8000;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DTMF_DIGIT = /^[0-9*#A-D]$/;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function bad(code: string, reason: string): ParsedCarrierMessage {
  return { ok: false, code, reason };
}

export function parseCarrierMessage(text: string): ParsedCarrierMessage {
  if (text.length > MAX_CARRIER_MESSAGE_BYTES)
    return bad('message_too_large', `messages are at most ${MAX_CARRIER_MESSAGE_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return bad('malformed_json', 'message is not valid JSON');
  }
  if (!isObject(json)) return bad('invalid_message', 'message is not a JSON object');
  switch (json.event) {
    case 'connected':
      return {
        ok: true,
        message: {
          event: 'connected',
          ...(str(json.protocol) ? { protocol: str(json.protocol) } : {}),
          ...(str(json.version) ? { version: str(json.version) } : {}),
        },
      };
    case 'start': {
      const start = json.start;
      if (!isObject(start)) return bad('invalid_message', 'start without a start object');
      const streamSid = str(start.streamSid) ?? str(json.streamSid);
      if (!streamSid) return bad('invalid_message', 'start without a streamSid');
      const customParameters: Record<string, string> = {};
      if (isObject(start.customParameters)) {
        for (const [k, v] of Object.entries(start.customParameters))
          if (typeof v === 'string') customParameters[k] = v;
      }
      const format = isObject(start.mediaFormat) ? start.mediaFormat : {};
      return {
        ok: true,
        message: {
          event: 'start',
          streamSid,
          callSid: str(start.callSid) ?? '',
          accountSid: str(start.accountSid) ?? '',
          customParameters,
          encoding: str(format.encoding) ?? 'audio/x-mulaw',
          sampleRate: typeof format.sampleRate === 'number' ? format.sampleRate : 8000,
          channels: typeof format.channels === 'number' ? format.channels : 1,
        },
      };
    }
    case 'media': {
      const media = json.media;
      if (!isObject(media)) return bad('invalid_message', 'media without a media object');
      const payload = str(media.payload);
      if (payload === undefined) return bad('invalid_media', 'media without a payload string');
      if (payload.length === 0 || payload.length % 4 !== 0 || !BASE64.test(payload))
        return bad('invalid_base64', 'media payload is not base64');
      const bytes = Buffer.from(payload, 'base64');
      if (bytes.length > MAX_MEDIA_PAYLOAD_BYTES)
        return bad('media_too_large', `media payloads are at most ${MAX_MEDIA_PAYLOAD_BYTES} bytes`);
      const ts = Number(media.timestamp);
      return {
        ok: true,
        message: {
          event: 'media',
          track: str(media.track) ?? 'inbound',
          timestampMs: media.timestamp !== undefined && Number.isFinite(ts) && ts >= 0 ? ts : undefined,
          payload: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length),
        },
      };
    }
    case 'dtmf': {
      const digit = isObject(json.dtmf) ? str(json.dtmf.digit) : undefined;
      if (!digit || !DTMF_DIGIT.test(digit)) return bad('invalid_dtmf', 'dtmf without a valid digit');
      return { ok: true, message: { event: 'dtmf', digit } };
    }
    case 'mark': {
      const name = isObject(json.mark) ? str(json.mark.name) : undefined;
      if (!name) return bad('invalid_message', 'mark without a name');
      return { ok: true, message: { event: 'mark', name } };
    }
    case 'stop': {
      const stop = isObject(json.stop) ? json.stop : {};
      return { ok: true, message: { event: 'stop', callSid: str(stop.callSid) ?? '' } };
    }
    default:
      return bad('unknown_event', `unknown event ${JSON.stringify(json.event)?.slice(0, 40)}`);
  }
}
