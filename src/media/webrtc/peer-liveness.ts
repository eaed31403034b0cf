/**
 * Notices a WebRTC peer that vanished without a goodbye (tab killed, network gone). werift's
 * ICE consent freshness (RFC 7675) runs on a fixed 5 s cadence and expires after 30 s, and
 * browsers send RTCP for audio only every few seconds; but a live browser sends Opus RTP every
 * 20 ms (at most every 400 ms with DTX). So any datagram from the peer (RTP, RTCP, DTLS, SCTP)
 * is fresh consent, and `peerTimeoutMs` of silence means it is gone.
 *
 * Silence is counted in tick steps of at most `maxStepMs`: when the event loop stalls, packets
 * wait behind the next timer, so a late tick must not count the stall as silence (a loaded
 * server notices a vanished peer a little later, never a live one too early).
 */
export interface PeerLivenessOptions {
  /** Silence from the peer after which it is gone. Default 2000 ms. */
  peerTimeoutMs?: number;
  /** Longest stretch one tick may count as silence. Default 100 ms. */
  maxStepMs?: number;
}

export const DEFAULT_PEER_TIMEOUT_MS = 2000;

export class PeerLiveness {
  readonly timeoutMs: number;
  private readonly maxStepMs: number;
  private silentMs = 0;
  private lastTickMs: number | undefined;

  constructor(opts: PeerLivenessOptions = {}) {
    this.timeoutMs = opts.peerTimeoutMs ?? DEFAULT_PEER_TIMEOUT_MS;
    this.maxStepMs = opts.maxStepMs ?? 100;
  }

  /** Something arrived from the peer. */
  heard(): void {
    this.silentMs = 0;
  }

  /** Counts silence up to `nowMs` (call every ~20 ms once connected); true when the peer is gone. */
  tick(nowMs: number): boolean {
    if (this.lastTickMs !== undefined) {
      this.silentMs += Math.min(this.maxStepMs, Math.max(0, nowMs - this.lastTickMs));
    }
    this.lastTickMs = nowMs;
    return this.timeoutMs > 0 && this.silentMs >= this.timeoutMs;
  }

  /** Silence counted so far, ms. */
  get silenceMs(): number {
    return this.silentMs;
  }
}
