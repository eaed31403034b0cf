import { describe, expect, it } from 'vitest';
import { parseControlFrame, parseControlMessage } from './control-messages.js';
import { MediaRequestError } from './errors.js';
import { checkOffer, MAX_MEDIA_SECTIONS } from './webrtc/offer.js';
import { encodeAudioMessage, MAX_AUDIO_MESSAGE_BYTES, parseAudioMessage } from './websocket/audio-message.js';

const OFFER = [
  'v=0',
  'o=- 4611 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 0',
  'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:abcdefghijklmnopqrstuvwx',
  'a=fingerprint:sha-256 00:11:22',
  'a=rtpmap:111 opus/48000/2',
  'a=rtpmap:0 PCMU/8000',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  '',
].join('\r\n');

function offerError(sdp: unknown): MediaRequestError {
  try {
    checkOffer(sdp);
  } catch (err) {
    if (err instanceof MediaRequestError) return err;
  }
  throw new Error('expected a MediaRequestError');
}

describe('checkOffer', () => {
  it('finds the Opus payload type and the data channel', () => {
    expect(checkOffer(OFFER)).toEqual({ opusPayloadType: 111, hasDataChannel: true });
  });

  it('names what is wrong with a bad offer', () => {
    expect(offerError('').code).toBe('invalid_sdp');
    expect(offerError('hello').code).toBe('invalid_sdp');
    expect(offerError(OFFER.replace('m=audio', 'm=video')).code).toBe('no_audio');
    expect(offerError(OFFER.replace(/a=fingerprint.*\r\n/, '')).message).toMatch(/fingerprint/);
    const noOpus = offerError(OFFER.replace('a=rtpmap:111 opus/48000/2', 'a=rtpmap:111 G722/8000'));
    expect(noOpus.code).toBe('unsupported_codec');
    expect(noOpus.statusCode).toBe(400);
    expect(offerError('x'.repeat(70_000)).statusCode).toBe(413);
    expect(offerError('x'.repeat(70_000)).code).toBe('body_too_large');
  });

  it('refuses an offer with 90 m-lines (finding 10)', () => {
    const many = OFFER + 'm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n'.repeat(88);
    const err = offerError(many);
    expect(err.code).toBe('invalid_sdp');
    expect(err.statusCode).toBe(400);
    expect(err.message).toMatch(/90 m= sections; at most 8/);
    const eight = OFFER + 'm=video 9 UDP/TLS/RTP/SAVPF 96\r\n'.repeat(MAX_MEDIA_SECTIONS - 2);
    expect(checkOffer(eight).opusPayloadType).toBe(111);
  });

  it('refuses payload type 99999999999 and any outside 0–127 (finding 10)', () => {
    const huge = offerError(OFFER.replaceAll('111', '99999999999'));
    expect(huge.code).toBe('invalid_sdp');
    expect(huge.message).toMatch(/payload type '99999999999'.*0–127/);
    expect(offerError(OFFER.replace('SAVPF 111 0', 'SAVPF 111 128')).message).toMatch(/'128'/);
    expect(offerError(OFFER.replace('SAVPF 111 0', 'SAVPF 111 -1')).message).toMatch(/'-1'/);
    expect(offerError(OFFER.replace('a=rtpmap:0 PCMU', 'a=rtpmap:300 PCMU')).message).toMatch(/'300'/);
    expect(offerError(`${OFFER}a=fmtp:1e3 minptime=10\r\n`).code).toBe('invalid_sdp');
    expect(offerError(OFFER.replace('SAVPF 111 0', 'SAVPF')).code).toBe('invalid_sdp');
    // The data channel's m= line lists no payload types and is fine.
    expect(checkOffer(`${OFFER}a=rtcp-fb:* nack\r\n`).hasDataChannel).toBe(true);
  });
});

describe('WebSocket messages', () => {
  it('round-trips PCM as 16-bit little-endian', () => {
    const samples = Int16Array.from([0, 1, -1, 32767, -32768, 1234]);
    const bytes = encodeAudioMessage(samples);
    expect([...bytes.subarray(0, 4)]).toEqual([0, 0, 1, 0]);
    const parsed = parseAudioMessage(bytes);
    expect(parsed.ok && [...parsed.samples]).toEqual([...samples]);
  });

  it('reads PCM from a buffer at an odd byte offset', () => {
    const backing = new Uint8Array(9);
    backing.set([1, 0, 2, 0], 1);
    const parsed = parseAudioMessage(backing.subarray(1, 5));
    expect(parsed.ok && [...parsed.samples]).toEqual([1, 2]);
  });

  it('refuses odd-length and oversized audio with a reason', () => {
    expect(parseAudioMessage(new Uint8Array(3))).toMatchObject({ ok: false, code: 'audio_odd_length' });
    expect(parseAudioMessage(new Uint8Array(MAX_AUDIO_MESSAGE_BYTES + 2))).toMatchObject({
      ok: false,
      code: 'audio_too_large',
    });
  });

  it('validates control messages', () => {
    expect(parseControlMessage('{"type":"heard","turnId":3,"atMs":1500.5}')).toEqual({
      ok: true,
      message: { type: 'heard', turnId: 3, atMs: 1500.5 },
    });
    expect(parseControlMessage('{"type":"hangup"}')).toEqual({ ok: true, message: { type: 'hangup' } });
    expect(parseControlMessage('nope')).toMatchObject({ ok: false, code: 'malformed_json' });
    expect(parseControlMessage('{"type":"dance"}')).toMatchObject({ ok: false, code: 'invalid_message' });
    expect(parseControlMessage('{"type":"latency","ms":-5}')).toMatchObject({
      ok: false,
      code: 'invalid_message',
    });
    expect(parseControlMessage(`{"type":"hangup","pad":"${'x'.repeat(5000)}"}`)).toMatchObject({
      ok: false,
      code: 'message_too_large',
    });
  });

  it('refuses invalid UTF-8 in a control frame with invalid_utf8 (finding 10)', () => {
    expect(parseControlFrame(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))).toMatchObject({
      ok: false,
      code: 'invalid_utf8',
    });
    expect(parseControlFrame(Buffer.from('{"type":"ping","id":7}'))).toEqual({
      ok: true,
      message: { type: 'ping', id: 7 },
    });
    // Multi-byte text counts in bytes: 2100 'é' are 2100 characters but 4200 bytes of UTF-8.
    const wide = `{"type":"hangup","pad":"${'é'.repeat(2100)}"}`;
    expect(parseControlFrame(Buffer.from(wide))).toMatchObject({ ok: false, code: 'message_too_large' });
    expect(parseControlMessage(wide)).toMatchObject({ ok: false, code: 'message_too_large' });
  });
});
