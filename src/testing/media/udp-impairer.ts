/**
 * A user-space network impairer for UDP (this kernel has no netem): a seeded schedule that drops,
 * delays and reorders datagrams, and a NAT-like relay that applies it between a client and a
 * server. Tests put the relay on the WebRTC media path by rewriting the server's ICE candidates
 * (see `relaySdp`), so everything the two ends exchange (ICE, DTLS, SRTP, SCTP) crosses it.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

/** Gilbert–Elliott two-state loss: bursts of loss in the bad state, (almost) none in the good one. */
export interface BurstLoss {
  /** Per-datagram chance of moving from the good to the bad state. */
  pGoodToBad: number;
  /** Per-datagram chance of moving from the bad back to the good state (1 / mean burst length). */
  pBadToGood: number;
  /** Loss probability in the bad state. Default 1. */
  lossInBad?: number;
  /** Loss probability in the good state. Default 0. */
  lossInGood?: number;
}

export interface Impairment {
  /** Independent random loss, 0..1 (0.02 = 2%). Default 0. */
  loss?: number;
  /** Bursty loss on top of `loss`. Default none. */
  burst?: BurstLoss;
  /** Fixed one-way delay added to every datagram. Default 0. */
  delayMs?: number;
  /**
   * Extra delay drawn uniformly from [0, jitterMs] per datagram, independently, so datagrams
   * sent closer together than the jitter overtake each other (reordering). Default 0.
   */
  jitterMs?: number;
}

/** Gilbert–Elliott parameters for a mean loss rate in bursts of `meanBurstPackets` (lost in a row). */
export function burstyLoss(meanLoss: number, meanBurstPackets: number): BurstLoss {
  const pBadToGood = 1 / Math.max(1, meanBurstPackets);
  // Stationary share of the bad state = p / (p + r) = meanLoss.
  const pGoodToBad = (meanLoss * pBadToGood) / (1 - meanLoss);
  return { pGoodToBad, pBadToGood, lossInBad: 1, lossInGood: 0 };
}

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Fate {
  drop: boolean;
  /** Delay before the datagram is delivered (when not dropped). */
  delayMs: number;
}

/** The fate of each datagram in turn, the same for the same seed and impairment. */
export class ImpairmentSchedule {
  private readonly random: () => number;
  private bad = false;

  constructor(
    private readonly impairment: Impairment,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  next(): Fate {
    const { loss = 0, burst, delayMs = 0, jitterMs = 0 } = this.impairment;
    // Draw every number every time, so changing one knob does not shift the others' sequences.
    const lossDraw = this.random();
    const burstDraw = this.random();
    const stateDraw = this.random();
    const jitterDraw = this.random();
    let drop = lossDraw < loss;
    if (burst) {
      this.bad = this.bad ? stateDraw >= burst.pBadToGood : stateDraw < burst.pGoodToBad;
      const p = this.bad ? (burst.lossInBad ?? 1) : (burst.lossInGood ?? 0);
      if (burstDraw < p) drop = true;
    }
    return { drop, delayMs: delayMs + jitterDraw * jitterMs };
  }
}

export interface DirectionStats {
  received: number;
  /** Dropped by the schedule or by a blackout (`blackedOut` counts the latter alone). */
  dropped: number;
  /** Dropped because the relay was paused (a blackout), received or due for delivery meanwhile. */
  blackedOut: number;
  forwarded: number;
  /** Datagrams that look like RTP/RTCP (first byte 128–191, RFC 7983), forwarded. */
  rtpForwarded: number;
}

export interface UdpImpairerOptions {
  /** Where datagrams from clients go (the server's ICE host candidate). */
  target: { address: string; port: number };
  /** Address the relay listens and sends on. Default '127.0.0.1'. */
  address?: string;
  /** Client → server impairment. Default none. */
  up?: Impairment;
  /** Server → client impairment. Default none. */
  down?: Impairment;
  /** Seed of both schedules (down uses seed + 1). Default 1. */
  seed?: number;
  /**
   * Drop and jitter only RTP/RTCP; ICE, DTLS and SCTP datagrams get the fixed delay alone.
   * werift 0.24's DTLS does not recover when a handshake flight is lost (the retransmitted
   * flight fails to decrypt, so the call never connects), which would measure that bug instead
   * of the media path. Default false.
   */
  mediaOnly?: boolean;
}

export interface UdpImpairer {
  readonly address: string;
  readonly port: number;
  readonly up: DirectionStats;
  readonly down: DirectionStats;
  /** Client source addresses seen (one upstream socket each). */
  readonly clients: number;
  /** Whether the relay is paused (dropping everything both ways). */
  readonly paused: boolean;
  /**
   * The network goes dark: every datagram either way is dropped, including those already delayed
   * and due meanwhile, until `resume()`. Flows (client ↔ upstream socket) survive, as a NAT's would.
   */
  pause(): void;
  resume(): void;
  /** Pauses for `ms` of wall time, then resumes; resolves once restored. */
  blackout(ms: number): Promise<void>;
  /**
   * Where client flows that start from now on go (a client's new peer connection reaching a new
   * server port through the same relay); flows already open keep their target.
   */
  retarget(target: { address: string; port: number }): void;
  close(): Promise<void>;
}

interface Flow {
  socket: Socket;
  target: { address: string; port: number };
}

const emptyStats = (): DirectionStats => ({
  received: 0,
  dropped: 0,
  blackedOut: 0,
  forwarded: 0,
  rtpForwarded: 0,
});
const isRtpOrRtcp = (msg: Buffer) => msg.length > 0 && (msg[0] as number) >= 128 && (msg[0] as number) <= 191;

function bind(socket: Socket, address: string, port = 0): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

/**
 * Starts a relay: clients send to (address, port); each client source gets its own upstream
 * socket towards `target`, like a NAT, so the server sees the relay's socket as the client's
 * (peer-reflexive) address and answers there.
 */
export async function startUdpImpairer(opts: UdpImpairerOptions): Promise<UdpImpairer> {
  const address = opts.address ?? '127.0.0.1';
  const seed = opts.seed ?? 1;
  const upSchedule = new ImpairmentSchedule(opts.up ?? {}, seed);
  const downSchedule = new ImpairmentSchedule(opts.down ?? {}, seed + 1);
  const up = emptyStats();
  const down = emptyStats();
  const front = createSocket('udp4');
  /** One flow per client source: its upstream socket and the target it was opened towards. */
  const upstreams = new Map<string, Flow>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  let paused = false;
  let target = opts.target;
  let blackoutTimer: NodeJS.Timeout | undefined;
  /** Blackouts waiting for the network to come back. */
  const restored: (() => void)[] = [];
  const resume = () => {
    clearTimeout(blackoutTimer);
    paused = false;
    for (const done of restored.splice(0)) done();
  };

  const spared = (delayMs = 0): Fate => ({ drop: false, delayMs });
  const pass = (
    msg: Buffer,
    schedule: ImpairmentSchedule,
    impairment: Impairment | undefined,
    stats: DirectionStats,
    send: () => void,
  ) => {
    stats.received++;
    const blackedOut = () => {
      stats.dropped++;
      stats.blackedOut++;
    };
    if (paused) {
      blackedOut();
      return;
    }
    const fate = opts.mediaOnly && !isRtpOrRtcp(msg) ? spared(impairment?.delayMs) : schedule.next();
    if (fate.drop) {
      stats.dropped++;
      return;
    }
    const deliver = () => {
      if (closed) return;
      if (paused) {
        blackedOut();
        return;
      }
      stats.forwarded++;
      if (isRtpOrRtcp(msg)) stats.rtpForwarded++;
      send();
    };
    if (fate.delayMs <= 0) {
      deliver();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      deliver();
    }, fate.delayMs);
    timers.add(timer);
  };

  const upstreamFor = async (client: RemoteInfo): Promise<Flow> => {
    const key = `${client.address}:${client.port}`;
    const existing = upstreams.get(key);
    if (existing) return existing;
    const socket = createSocket('udp4');
    const flow: Flow = { socket, target };
    upstreams.set(key, flow);
    socket.on('message', (msg) => {
      pass(msg, downSchedule, opts.down, down, () => front.send(msg, client.port, client.address));
    });
    socket.on('error', () => undefined);
    await bind(socket, address);
    return flow;
  };

  front.on('message', (msg, client) => {
    void upstreamFor(client).then((flow) => {
      pass(msg, upSchedule, opts.up, up, () => flow.socket.send(msg, flow.target.port, flow.target.address));
    });
  });
  front.on('error', () => undefined);
  await bind(front, address);
  const port = front.address().port;

  return {
    address,
    port,
    up,
    down,
    get clients() {
      return upstreams.size;
    },
    get paused() {
      return paused;
    },
    pause: () => {
      paused = true;
    },
    resume,
    blackout: (ms) =>
      new Promise<void>((resolve) => {
        paused = true;
        restored.push(resolve);
        clearTimeout(blackoutTimer);
        blackoutTimer = setTimeout(resume, ms);
      }),
    retarget: (next) => {
      target = next;
    },
    close: async () => {
      closed = true;
      resume();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const sockets = [front, ...[...upstreams.values()].map((f) => f.socket)];
      await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

/** The server's UDP host candidates in an SDP (address and port), loopback first. */
export function sdpCandidates(sdp: string): { address: string; port: number }[] {
  const out: { address: string; port: number }[] = [];
  for (const line of sdp.split(/\r?\n/)) {
    const m = /^a=candidate:\S+ \d+ udp \d+ (\S+) (\d+) typ host/i.exec(line);
    if (m) out.push({ address: m[1] as string, port: Number(m[2]) });
  }
  return out.sort((a, b) => Number(b.address === '127.0.0.1') - Number(a.address === '127.0.0.1'));
}

/**
 * The SDP with every ICE candidate replaced by one host candidate at the relay, so the peer
 * that reads it can reach the other end only through the relay. With `relay` undefined the
 * candidates are just removed (an offer: the server then learns the client's address from the
 * relay's checks, as a peer-reflexive candidate, and has no direct path to try).
 */
export function relaySdp(sdp: string, relay?: { address: string; port: number }): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(/\r?\n/);
  const out: string[] = [];
  let inMedia = false;
  for (const line of lines) {
    if (line.startsWith('a=candidate:') || line.startsWith('a=end-of-candidates')) continue;
    out.push(line);
    if (line.startsWith('m=')) inMedia = true;
    // One candidate per media section, after its connection line.
    if (relay && inMedia && line.startsWith('c=IN IP4')) {
      out.push(`a=candidate:1 1 udp 2130706431 ${relay.address} ${relay.port} typ host`);
      out.push('a=end-of-candidates');
    }
  }
  return out.join(eol);
}
