/**
 * Property-based tests of SDP offers: the offer check refuses anything it does not accept with a
 * MediaRequestError (400 or 413), and what it accepts werift can answer, or refuse by rejecting,
 * with no exception escaping to the process.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RTCPeerConnection, useOPUS } from 'werift';
import { fuzzParams, hostileText } from '../../testing/fuzz.js';
import { MediaRequestError } from '../errors.js';
import { checkOffer, MAX_MEDIA_SECTIONS, type OfferSummary } from './offer.js';

/** A browser-like audio offer that werift answers. */
const BASE = [
  'v=0',
  'o=- 4611 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 0',
  'c=IN IP4 0.0.0.0',
  'a=mid:0',
  'a=sendrecv',
  'a=rtcp-mux',
  'a=setup:actpass',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:abcdefghijklmnopqrstuvwx',
  `a=fingerprint:sha-256 ${Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(':')}`,
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:0 PCMU/8000',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 0.0.0.0',
  'a=mid:1',
  'a=setup:actpass',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:abcdefghijklmnopqrstuvwx',
  'a=sctp-port:5000',
];

const payloadType = fc.oneof(
  fc.integer({ min: 0, max: 127 }),
  fc.constantFrom(-1, 128, 255, 65_536, 99_999_999_999),
  fc.string({ maxLength: 4 }),
);
const proto = fc.constantFrom('UDP/TLS/RTP/SAVPF', 'RTP/AVP', 'UDP/DTLS/SCTP', 'TCP/RTP/AVP', 'x');

/** Lines an offer may carry, well formed or not. */
const line = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('audio', 'video', 'application', 'text'),
      proto,
      fc.array(payloadType, { maxLength: 5 }),
    )
    .map(([kind, p, pts]) => `m=${kind} 9 ${p} ${pts.join(' ')}`),
  fc
    .tuple(payloadType, fc.constantFrom('opus/48000/2', 'opus/48000', 'PCMU/8000', 'G722/8000', 'x/0', ''))
    .map(([pt, codec]) => `a=rtpmap:${pt} ${codec}`),
  payloadType.map((pt) => `a=fmtp:${pt} minptime=10;useinbandfec=1`),
  payloadType.map((pt) => `a=rtcp-fb:${pt} nack`),
  fc.constantFrom(
    'a=mid:0',
    'a=mid:1',
    'a=group:BUNDLE 0 1 2',
    'a=sendrecv',
    'a=recvonly',
    'a=inactive',
    'a=rtcp-mux',
    'a=setup:actpass',
    'a=setup:active',
    'c=IN IP4 0.0.0.0',
    'c=IN IP6 ::1',
    'a=ssrc:1 cname:x',
    'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
    'a=candidate:1 1 udp 2122260223 127.0.0.1 9 typ host',
    'a=sctp-port:5000',
    'a=ice-options:trickle',
  ),
  hostileText(60).map((t) => t.replace(/[\r\n]/g, ' ')),
);

/** The well-formed offer with lines inserted, dropped and replaced. */
const offer = fc
  .tuple(
    fc.array(fc.tuple(fc.nat(BASE.length), line), { maxLength: 8 }),
    fc.array(fc.nat(BASE.length - 1), { maxLength: 2 }),
    fc.constantFrom('\r\n', '\n'),
  )
  .map(([inserts, drops, eol]) => {
    const lines = BASE.filter((_, i) => !drops.includes(i) || i === 0);
    for (const [at, l] of inserts) lines.splice(Math.min(at, lines.length), 0, l);
    return `${lines.join(eol)}${eol}`;
  });

function check(sdp: unknown): OfferSummary | MediaRequestError {
  try {
    return checkOffer(sdp);
  } catch (err) {
    if (err instanceof MediaRequestError) return err;
    throw err;
  }
}

/** What WebRtcTransport.answer does with werift, short of waiting for ICE. */
async function answerWithWerift(sdp: string, summary: OfferSummary): Promise<string> {
  const pc = new RTCPeerConnection({
    codecs: {
      audio: [useOPUS({ payloadType: summary.opusPayloadType, parameters: 'minptime=10;useinbandfec=1' })],
      video: [],
    },
    iceServers: [],
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
  });
  try {
    await pc.setRemoteDescription({ type: 'offer', sdp });
    const transceiver = pc.getTransceivers().find((t) => t.kind === 'audio');
    if (!transceiver) return 'no audio transceiver';
    transceiver.setDirection('sendrecv');
    await pc.setLocalDescription(await pc.createAnswer());
    return 'answered';
  } catch (err) {
    return `rejected: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    await pc.close().catch(() => undefined);
  }
}

const escaped: unknown[] = [];
const onEscape = (err: unknown) => escaped.push(err);
beforeAll(() => {
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', onEscape);
});
afterAll(() => {
  process.off('uncaughtException', onEscape);
  process.off('unhandledRejection', onEscape);
});

describe('SDP offers, fuzzed', () => {
  it('any body is accepted or refused with a MediaRequestError (400/413), never another throw', () => {
    fc.assert(
      fc.property(fc.oneof(offer, hostileText(300), fc.anything()), (sdp) => {
        const result = check(sdp);
        if (result instanceof MediaRequestError) {
          expect([400, 413]).toContain(result.statusCode);
          expect(result.code).toMatch(/^[a-z_]+$/);
        } else {
          expect(Number.isInteger(result.opusPayloadType)).toBe(true);
          expect(result.opusPayloadType).toBeGreaterThanOrEqual(0);
          expect(result.opusPayloadType).toBeLessThanOrEqual(127);
          expect((sdp as string).split('\n').filter((l) => /^m=/.test(l)).length).toBeLessThanOrEqual(
            MAX_MEDIA_SECTIONS,
          );
        }
      }),
      fuzzParams(300),
    );
  });

  it('offers that pass the check are answered or rejected by werift, with no exception escaping', async () => {
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(offer, async (sdp) => {
        const summary = check(sdp);
        if (summary instanceof MediaRequestError) return;
        const outcome = await answerWithWerift(sdp, summary);
        const kind = outcome.split(':')[0] as string;
        outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
      }),
      fuzzParams(250),
    );
    // Let any timer werift left behind fire before judging.
    await new Promise((r) => setTimeout(r, 200));
    expect(escaped).toEqual([]);
    expect(outcomes.get('answered') ?? 0).toBeGreaterThan(0);
  }, 60_000);
});
