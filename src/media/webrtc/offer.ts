/** Checks a client's SDP offer before any WebRTC resource is allocated for it. */
import { MediaRequestError } from '../errors.js';

/** Largest offer accepted, in bytes; real audio offers are a few kB. */
export const MAX_OFFER_BYTES = 64 * 1024;
/** Most m= sections accepted; a browser's audio offer has two (audio and the events data channel). */
export const MAX_MEDIA_SECTIONS = 8;
/** RTP payload types are 7 bits (RFC 3550). */
const MAX_PAYLOAD_TYPE = 127;

export interface OfferSummary {
  /** Payload type the offer uses for opus/48000/2. */
  opusPayloadType: number;
  hasDataChannel: boolean;
}

export function checkOffer(sdp: unknown): OfferSummary {
  if (typeof sdp !== 'string' || sdp.trim() === '') {
    throw new MediaRequestError(
      'the request body must be an SDP offer (Content-Type: application/sdp)',
      400,
      'invalid_sdp',
    );
  }
  if (sdp.length > MAX_OFFER_BYTES || Buffer.byteLength(sdp) > MAX_OFFER_BYTES) {
    throw new MediaRequestError(`SDP offer larger than ${MAX_OFFER_BYTES} bytes`, 413, 'body_too_large');
  }
  const lines = sdp.split(/\r?\n/).filter((l) => l.length > 0);
  if (
    lines[0] !== 'v=0' ||
    !lines.some((l) => l.startsWith('o=')) ||
    !lines.some((l) => l.startsWith('m='))
  ) {
    throw new MediaRequestError(
      'malformed SDP offer: expected v=0, an o= line and at least one m= section',
      400,
      'invalid_sdp',
    );
  }
  const sections = lines.filter((l) => l.startsWith('m='));
  if (sections.length > MAX_MEDIA_SECTIONS) {
    throw new MediaRequestError(
      `the SDP offer has ${sections.length} m= sections; at most ${MAX_MEDIA_SECTIONS} are accepted`,
      400,
      'invalid_sdp',
    );
  }
  checkPayloadTypes(lines, sections);
  const audio = lines.findIndex((l) => l.startsWith('m=audio '));
  if (audio < 0) throw new MediaRequestError('the SDP offer has no audio section (m=audio)', 400, 'no_audio');
  if (!lines.some((l) => l.startsWith('a=fingerprint:'))) {
    throw new MediaRequestError('the SDP offer has no DTLS fingerprint (a=fingerprint)', 400, 'invalid_sdp');
  }
  if (!lines.some((l) => l.startsWith('a=ice-ufrag:')) || !lines.some((l) => l.startsWith('a=ice-pwd:'))) {
    throw new MediaRequestError(
      'the SDP offer has no ICE credentials (a=ice-ufrag / a=ice-pwd)',
      400,
      'invalid_sdp',
    );
  }
  const nextSection = lines.findIndex((l, i) => i > audio && l.startsWith('m='));
  const audioLines = lines.slice(audio, nextSection < 0 ? undefined : nextSection);
  const opus = audioLines
    .map((l) => /^a=rtpmap:(\d+) opus\/48000(?:\/2)?$/i.exec(l))
    .find((m): m is RegExpExecArray => m !== null);
  if (!opus) {
    throw new MediaRequestError(
      'the SDP offer does not offer Opus (opus/48000/2), the only audio codec Parley accepts',
      400,
      'unsupported_codec',
    );
  }
  return {
    opusPayloadType: Number(opus[1]),
    hasDataChannel: lines.some((l) => l.startsWith('m=application ')),
  };
}

/** Every payload type an RTP m= line lists, and every one an attribute names, is an integer 0–127. */
function checkPayloadTypes(lines: string[], sections: string[]): void {
  const bad = (pt: string) => !/^\d{1,3}$/.test(pt) || Number(pt) > MAX_PAYLOAD_TYPE;
  for (const m of sections) {
    // m=<media> <port> <proto> <fmt> ...: only RTP profiles list payload types.
    const [, , proto, ...formats] = m.slice(2).split(' ');
    if (!proto?.includes('RTP')) continue;
    const wrong = formats.find(bad);
    if (formats.length === 0 || wrong !== undefined) {
      throw new MediaRequestError(
        `invalid payload type '${(wrong ?? '').slice(0, 20)}' in '${m.slice(0, 60)}': payload types are integers 0–${MAX_PAYLOAD_TYPE}`,
        400,
        'invalid_sdp',
      );
    }
  }
  for (const line of lines) {
    const attr = /^a=(?:rtpmap|fmtp|rtcp-fb):(\S*)/.exec(line);
    const pt = attr?.[1];
    if (pt !== undefined && pt !== '*' && bad(pt)) {
      throw new MediaRequestError(
        `invalid payload type '${pt.slice(0, 20)}' in '${line.slice(0, 60)}': payload types are integers 0–${MAX_PAYLOAD_TYPE}`,
        400,
        'invalid_sdp',
      );
    }
  }
}
