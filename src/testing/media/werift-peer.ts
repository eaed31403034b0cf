/**
 * A WebRTC caller made with werift, in-process: offers one sendrecv Opus transceiver and an
 * "events" data channel, posts the offer WHIP-style, then sends and receives Opus RTP. Used by
 * the media tests and bench:media to drive the server without a browser.
 */
import {
  RtpHeader,
  RtpPacket,
  type RTCDataChannel,
  RTCPeerConnection,
  type RTCRtpTransceiver,
  useOPUS,
} from 'werift';
import { Encoder } from '@evan/opus';
import { OpusDecoder48k, OpusEncoder48k } from '../../audio/opus.js';

/** An Opus encoder (same settings as OpusEncoder48k) that adds in-band FEC for `lossPercent`. */
function fecEncoder(lossPercent: number): { encode(pcm960: Int16Array): Uint8Array } {
  const encoder = new Encoder({ channels: 1, sample_rate: 48_000, application: 'voip' });
  encoder.bitrate = 32_000;
  encoder.complexity = 5;
  encoder.inband_fec = true;
  encoder.packet_loss = lossPercent;
  return { encode: (pcm) => encoder.encode(pcm).slice() };
}

export interface WeriftCaller {
  pc: RTCPeerConnection;
  transceiver: RTCRtpTransceiver;
  events: RTCDataChannel;
  /** JSON messages received on the events channel. */
  messages: Record<string, unknown>[];
  /** Decoded 48 kHz agent audio packets, with arrival time (performance.now()). */
  received: { pcm: Int16Array; atMs: number; seq: number; timestamp: number; marker: boolean }[];
  /** Sends one 20 ms 48 kHz frame (960 samples) as an Opus RTP packet with the given sequence number. */
  sendPcm(pcm960: Int16Array, seq: number): void;
  /** Sends a raw RTP payload (tests of corrupt packets). */
  sendPayload(payload: Buffer, seq: number): void;
  waitConnected(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface CallerOptions {
  /** Decode received audio (costs CPU; the bench may turn it off). Default true. */
  decode?: boolean;
  /**
   * Encode with Opus in-band FEC, as a browser does once receiver reports show loss: the
   * expected loss in percent the encoder protects against. Default 0 (no FEC).
   */
  fecLossPercent?: number;
  /** Edits the offer before it is posted (e.g. strip candidates so only a relay path exists). */
  rewriteOffer?: (sdp: string) => string;
  /** Edits the server's answer before it is applied (e.g. point ICE at an impairing relay). */
  rewriteAnswer?: (sdp: string) => string | Promise<string>;
}

export async function callWithWerift(
  url: string,
  token: string,
  opts: CallerOptions = {},
): Promise<{ caller?: WeriftCaller; status: number; body: string }> {
  const pc = new RTCPeerConnection({
    // Like a browser's offer: Opus with in-band FEC welcome.
    codecs: { audio: [useOPUS({ parameters: 'minptime=10;useinbandfec=1' })], video: [] },
    iceServers: [],
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
  });
  const transceiver = pc.addTransceiver('audio', { direction: 'sendrecv' });
  const events = pc.createDataChannel('events');
  const messages: Record<string, unknown>[] = [];
  events.onMessage.subscribe((data) => messages.push(JSON.parse(String(data))));
  const received: WeriftCaller['received'] = [];
  const decoder = new OpusDecoder48k();
  const decode = opts.decode ?? true;
  transceiver.onTrack.subscribe((track) => {
    track.onReceiveRtp.subscribe((rtp) => {
      received.push({
        pcm: decode ? decoder.decode(rtp.payload) : new Int16Array(0),
        atMs: performance.now(),
        seq: rtp.header.sequenceNumber,
        timestamp: rtp.header.timestamp,
        marker: rtp.header.marker,
      });
    });
  });
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise<void>((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && resolve());
  });
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/sdp', authorization: `Bearer ${token}` },
    body: (opts.rewriteOffer ?? ((sdp: string) => sdp))(pc.localDescription?.sdp ?? ''),
  });
  const body = await res.text();
  if (res.status !== 201) {
    await pc.close();
    return { status: res.status, body };
  }
  try {
    const answer = opts.rewriteAnswer ? await opts.rewriteAnswer(body) : body;
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  } catch (err) {
    await pc.close();
    throw err;
  }
  const encoder = opts.fecLossPercent ? fecEncoder(opts.fecLossPercent) : new OpusEncoder48k();
  let timestamp = 0;
  const writePayload = (payload: Buffer, seq: number) => {
    const header = new RtpHeader({
      sequenceNumber: seq & 0xffff,
      timestamp,
      payloadType: 111,
      marker: false,
    });
    timestamp = (timestamp + 960) >>> 0;
    void transceiver.sender.sendRtp(new RtpPacket(header, payload)).catch(() => undefined);
  };
  const caller: WeriftCaller = {
    pc,
    transceiver,
    events,
    messages,
    received,
    sendPcm: (pcm, seq) => writePayload(Buffer.from(encoder.encode(pcm)), seq),
    sendPayload: writePayload,
    waitConnected: (timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('WebRTC did not connect')), timeoutMs);
        const check = () => {
          if (pc.connectionState === 'connected' && events.readyState === 'open') {
            clearTimeout(timer);
            resolve();
            return true;
          }
          return false;
        };
        if (check()) return;
        const interval = setInterval(() => check() && clearInterval(interval), 10);
      }),
    close: () => pc.close(),
  };
  return { caller, status: res.status, body };
}
