/**
 * WebRTC for one session (WHIP-style, non-trickle): the client POSTs an offer, we answer with
 * one sendrecv Opus transceiver once ICE gathering is complete. Session events go out on the
 * client's "events" data channel; its reports come back the same way.
 */
import {
  type MediaStreamTrack,
  type RTCDataChannel,
  RTCPeerConnection,
  type RTCRtpTransceiver,
  useOPUS,
} from 'werift';
import { SESSION_SAMPLE_RATE } from '../../audio/frame.js';
import type { Clock } from '../../clock.js';
import type { SessionApi } from '../../conversation/api.js';
import { AgentAudioOut } from '../agent-audio-out.js';
import { type OutboundMessage, parseControlFrame, parseControlMessage } from '../control-messages.js';
import { MediaRequestError } from '../errors.js';
import { AUDIO_TOO_FAST, InputPacer } from '../input-pacer.js';
import type { ReorderStats } from '../reorder-buffer.js';
import { SessionLink, type SessionLinkOptions } from '../session-link.js';
import { AgentAudioPacketizer } from './agent-audio.js';
import { CallerAudioDecoder } from './caller-audio.js';
import { checkOffer } from './offer.js';
import { PeerLiveness } from './peer-liveness.js';

export interface WebRtcTransportOptions {
  clock: Clock;
  /** A peer not connected this long after the answer is dropped. Default 15000. */
  connectTimeoutMs?: number;
  /** ICE gathering longer than this fails the offer. Default 5000. */
  gatherTimeoutMs?: number;
  /** The browser's jitter buffer + device estimate until it reports its own. Default 80 ms. */
  clientBufferMs?: number;
  /** Extra host addresses to offer as ICE candidates. Default ['127.0.0.1'] (loopback clients). */
  iceAdditionalHostAddresses?: string[];
  /**
   * A connected peer from which nothing arrives (RTP, RTCP, DTLS, SCTP) this long has vanished and
   * its connection is dropped (`peer_gone`); browsers send audio every 20 ms. Default 2000.
   */
  peerTimeoutMs?: number;
  /** Caller audio accepted ahead of real time before the excess is dropped (`audio_too_fast`). Default 2000 ms. */
  inputBurstMs?: number;
  /** How long an ICE "disconnected" peer may take to recover before the call ends. Default 5000. */
  disconnectGraceMs?: number;
  /** Messages held for the data channel until it opens. Default 200. */
  maxPendingMessages?: number;
  /** Resume token for `hello` and what to do when the peer drops abnormally (see SessionLink). */
  link?: Pick<SessionLinkOptions, 'resumeToken' | 'onLost'>;
  onClosed?: (
    reason: string,
    stats: { received?: ReorderStats & { decodeErrors: number }; packetsSent: number },
  ) => void;
}

export class WebRtcTransport {
  private readonly audioOut: AgentAudioOut;
  private readonly pending: string[] = [];
  private channel: RTCDataChannel | undefined;
  private decoder: CallerAudioDecoder | undefined;
  private packetizer: AgentAudioPacketizer | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly liveness: PeerLiveness;
  private readonly pacer: InputPacer;
  /** ICE connections whose datagrams feed `liveness`. */
  private readonly heardFrom = new WeakSet<object>();
  readonly link: SessionLink;

  private constructor(
    private readonly pc: RTCPeerConnection,
    session: SessionApi,
    private readonly opts: WebRtcTransportOptions,
  ) {
    this.audioOut = new AgentAudioOut({
      clock: opts.clock,
      sessionId: session.id,
      transport: 'webrtc',
      send: (frame, info) => {
        this.packetizer?.send(frame.samples, info.atMs, info.afterGap);
        return true;
      },
    });
    this.link = new SessionLink(
      session,
      {
        sendMessage: (m) => this.sendMessage(m),
        sendAgentAudio: (frame) => this.audioOut.enqueue(frame),
        flushAgentAudio: () => this.audioOut.flush(),
        queuedAgentAudioMs: () => this.audioOut.queuedMs(),
        closeTransport: (reason) => this.release(reason),
      },
      { clock: opts.clock, transport: 'webrtc', clientBufferMs: opts.clientBufferMs ?? 80, ...opts.link },
    );
    this.liveness = new PeerLiveness(
      opts.peerTimeoutMs !== undefined ? { peerTimeoutMs: opts.peerTimeoutMs } : {},
    );
    this.pacer = new InputPacer({
      clock: opts.clock,
      ...(opts.inputBurstMs !== undefined ? { burstMs: opts.inputBurstMs } : {}),
    });
  }

  /** Answers `offerSdp` for `session`; throws MediaRequestError for a bad offer (nothing left allocated). */
  static async answer(
    session: SessionApi,
    offerSdp: unknown,
    opts: WebRtcTransportOptions,
  ): Promise<{ answerSdp: string; transport: WebRtcTransport }> {
    const offer = checkOffer(offerSdp);
    const pc = new RTCPeerConnection({
      // useinbandfec=1 asks the browser for Opus in-band FEC, which CallerAudioDecoder uses on loss.
      codecs: {
        audio: [useOPUS({ payloadType: offer.opusPayloadType, parameters: 'minptime=10;useinbandfec=1' })],
        video: [],
      },
      iceServers: [],
      iceUseIpv6: false,
      iceAdditionalHostAddresses: opts.iceAdditionalHostAddresses ?? ['127.0.0.1'],
    });
    let transport: WebRtcTransport | undefined;
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp as string });
      const transceiver = pc.getTransceivers().find((t) => t.kind === 'audio');
      if (!transceiver)
        throw new MediaRequestError('the SDP offer has no usable audio section', 400, 'no_audio');
      transceiver.setDirection('sendrecv');
      await pc.setLocalDescription(await pc.createAnswer());
      await waitForGathering(pc, opts.gatherTimeoutMs ?? 5000);
      const answerSdp = pc.localDescription?.sdp;
      if (!answerSdp || !/a=rtpmap:\d+ opus\/48000/i.test(answerSdp)) {
        throw new MediaRequestError(
          'could not negotiate Opus audio with this offer',
          400,
          'unsupported_codec',
        );
      }
      transport = new WebRtcTransport(pc, session, opts);
      transport.wire(transceiver, offer.opusPayloadType);
      return { answerSdp, transport };
    } catch (err) {
      if (transport) transport.release('offer failed');
      else await pc.close().catch(() => undefined);
      if (err instanceof MediaRequestError) throw err;
      throw new MediaRequestError(
        `could not apply the SDP offer: ${err instanceof Error ? err.message : String(err)}`,
        400,
        'invalid_sdp',
      );
    }
  }

  get receiveStats() {
    return this.decoder?.stats;
  }

  get packetsSent(): number {
    return this.packetizer?.packetsSent ?? 0;
  }

  /** Hangs up from the server side (session closed with `reason`). */
  async close(reason = 'closed'): Promise<void> {
    await this.link.close(reason);
    this.release(reason);
  }

  private wire(transceiver: RTCRtpTransceiver, payloadType: number): void {
    const clock = this.opts.clock;
    this.decoder = new CallerAudioDecoder((samples) => this.pushCallerSamples(samples));
    this.packetizer = new AgentAudioPacketizer(payloadType, (packet) => {
      void transceiver.sender.sendRtp(packet).catch(() => undefined);
    });
    const attached = new WeakSet<MediaStreamTrack>();
    const attach = (track: MediaStreamTrack) => {
      if (attached.has(track)) return;
      attached.add(track);
      track.onReceiveRtp.subscribe((rtp) => {
        this.liveness.heard();
        if (rtp.header.payloadType !== payloadType) return;
        this.decoder?.push(rtp.header.sequenceNumber, rtp.payload, clock.now());
      });
    };
    for (const track of transceiver.receiver.tracks) attach(track);
    transceiver.onTrack.subscribe(attach);
    this.pc.onDataChannel.subscribe((channel) => {
      if (channel.label !== 'events') return;
      this.channel = channel;
      channel.stateChanged.subscribe((state) => {
        if (state === 'open') this.flushPending();
        // The peer tore down its side (tab closed, pc.close()): faster than waiting for ICE to fail.
        if (state === 'closed') this.link.lost('disconnected');
      });
      channel.onMessage.subscribe((data) => {
        this.liveness.heard();
        // Binary messages are checked as UTF-8 like WebSocket text frames, never decoded with replacement characters.
        const parsed = typeof data === 'string' ? parseControlMessage(data) : parseControlFrame(data);
        if (!parsed.ok) this.link.sendError(parsed.code, parsed.message);
        else this.link.handleControl(parsed.message);
      });
      if (channel.readyState === 'open') this.flushPending();
    });
    this.listenToPeer();
    let connected = false;
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') {
        if (this.connectTimer) clearTimeout(this.connectTimer);
        // Silence is counted from now on (ICE may have restarted on a new transport: listen to it too).
        connected = true;
        this.liveness.heard();
        this.listenToPeer();
        this.link.startSession();
      } else if (state === 'failed' || state === 'closed') {
        this.link.lost('disconnected');
      } else if (state === 'disconnected') {
        // ICE may recover from a blip; give it a moment before hanging up.
        setTimeout(() => {
          if (this.pc.connectionState !== 'connected') this.link.lost('disconnected');
        }, this.opts.disconnectGraceMs ?? 5000).unref();
      }
    });
    this.connectTimer = setTimeout(() => {
      if (this.pc.connectionState !== 'connected') this.link.lost('connect_timeout');
    }, this.opts.connectTimeoutMs ?? 15_000);
    this.tickTimer = setInterval(() => {
      const now = clock.now();
      this.decoder?.tick(now);
      // ICE consent checks are slow to notice a peer that vanished; silence on the wire is not.
      if (this.liveness.tick(now) && connected) this.link.lost('peer_gone');
    }, 20);
  }

  /** Every datagram from the peer (RTP, RTCP, DTLS, SCTP) counts as fresh consent. */
  private listenToPeer(): void {
    for (const ice of this.pc.iceTransports) {
      if (this.heardFrom.has(ice.connection)) continue;
      this.heardFrom.add(ice.connection);
      ice.connection.onData.subscribe(() => this.liveness.heard());
    }
  }

  /** Decoded caller audio, held to real time plus the burst allowance. */
  private pushCallerSamples(samples: Int16Array): void {
    const decision = this.pacer.admit((samples.length * 1000) / SESSION_SAMPLE_RATE);
    if (decision.accept) this.link.pushCallerSamples(samples);
    else if (decision.report) this.link.sendError(AUDIO_TOO_FAST, this.pacer.message());
  }

  private sendMessage(message: OutboundMessage): void {
    const text = JSON.stringify(message);
    if (this.channel?.readyState === 'open') {
      this.channel.send(text);
      return;
    }
    this.pending.push(text);
    const max = this.opts.maxPendingMessages ?? 200;
    if (this.pending.length > max) this.pending.splice(0, this.pending.length - max);
  }

  private flushPending(): void {
    const channel = this.channel;
    if (!channel) return;
    for (const text of this.pending.splice(0)) channel.send(text);
  }

  private release(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.audioOut.close();
    this.decoder?.close();
    // Let the last events (ended) leave on the channel before the peer goes away.
    setTimeout(() => void this.pc.close().catch(() => undefined), 100).unref();
    this.opts.onClosed?.(reason, { received: this.decoder?.stats, packetsSent: this.packetsSent });
  }
}

function waitForGathering(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.unSubscribe();
      reject(new MediaRequestError('ICE gathering did not complete in time', 500, 'ice_gathering_timeout'));
    }, timeoutMs);
    const sub = pc.iceGatheringStateChange.subscribe((state) => {
      if (state !== 'complete') return;
      clearTimeout(timer);
      sub.unSubscribe();
      resolve();
    });
  });
}
