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
import { OpusDecoder48k, OpusEncoder48k } from '../../audio/opus.js';

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
}

export async function callWithWerift(
  url: string,
  token: string,
  opts: CallerOptions = {},
): Promise<{ caller?: WeriftCaller; status: number; body: string }> {
  const pc = new RTCPeerConnection({
    codecs: { audio: [useOPUS()], video: [] },
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
    body: pc.localDescription?.sdp ?? '',
  });
  const body = await res.text();
  if (res.status !== 201) {
    await pc.close();
    return { status: res.status, body };
  }
  await pc.setRemoteDescription({ type: 'answer', sdp: body });
  const encoder = new OpusEncoder48k();
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
