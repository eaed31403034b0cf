/**
 * A TCP proxy that delays and stalls, for the WebSocket media path under impairment: every chunk
 * is held for a fixed delay (order kept, as TCP keeps it), and at seeded moments the whole
 * connection stalls, the way a congested or lossy link holds back a TCP stream until
 * retransmission gets through.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { seededRandom } from './udp-impairer.js';

export interface StreamImpairment {
  /** One-way delay added to every chunk. Default 0. */
  delayMs?: number;
  /** Mean time between stalls (drawn uniformly from 0.5× to 1.5×); 0 = never stall. Default 0. */
  stallEveryMs?: number;
  /** How long each stall holds the stream. Default 0. */
  stallMs?: number;
}

export interface TcpImpairerOptions {
  target: { host: string; port: number };
  /** Address to listen on. Default '127.0.0.1'. */
  host?: string;
  /** Client → server. Default none. */
  up?: StreamImpairment;
  /** Server → client. Default none. */
  down?: StreamImpairment;
  /** Seed of the stall schedules. Default 1. */
  seed?: number;
}

export interface TcpImpairer {
  readonly port: number;
  /** URL base for HTTP/WebSocket through the proxy, e.g. 'http://127.0.0.1:PORT'. */
  readonly url: string;
  readonly connections: number;
  /** Bytes delivered each way, and stalls that held data. */
  readonly stats: { upBytes: number; downBytes: number; stalls: number };
  close(): Promise<void>;
}

/** Releases chunks in order no earlier than arrival + delay, and not inside a stall. */
class DelayLine {
  private readonly queue: { data: Buffer; dueMs: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private nextStallAtMs: number;
  private stallEndsAtMs = 0;
  private closed = false;

  constructor(
    private readonly impairment: StreamImpairment,
    private readonly random: () => number,
    private readonly write: (data: Buffer) => void,
    private readonly onStall: () => void,
  ) {
    this.nextStallAtMs = performance.now() + this.stallGap();
  }

  push(data: Buffer): void {
    this.queue.push({ data, dueMs: performance.now() + (this.impairment.delayMs ?? 0) });
    this.pump();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.queue.length = 0;
  }

  private stallGap(): number {
    const every = this.impairment.stallEveryMs ?? 0;
    return every > 0 ? every * (0.5 + this.random()) : Number.POSITIVE_INFINITY;
  }

  private pump(): void {
    if (this.closed || this.timer) return;
    const now = performance.now();
    // Stalls that fell due while the stream was idle held nothing; the latest may still be on.
    while (now >= this.nextStallAtMs) {
      this.stallEndsAtMs = this.nextStallAtMs + (this.impairment.stallMs ?? 0);
      this.nextStallAtMs = this.stallEndsAtMs + this.stallGap();
      if (this.stallEndsAtMs > now) this.onStall();
    }
    while (this.queue.length > 0) {
      const head = this.queue[0] as { data: Buffer; dueMs: number };
      const at = Math.max(head.dueMs, this.stallEndsAtMs);
      if (at > now) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, Math.min(at, this.nextStallAtMs) - now);
        return;
      }
      this.queue.shift();
      this.write(head.data);
    }
  }
}

export async function startTcpImpairer(opts: TcpImpairerOptions): Promise<TcpImpairer> {
  const host = opts.host ?? '127.0.0.1';
  const random = seededRandom(opts.seed ?? 1);
  const stats = { upBytes: 0, downBytes: 0, stalls: 0 };
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((client) => {
    connections++;
    const upstream = createConnection({ host: opts.target.host, port: opts.target.port });
    sockets.add(client);
    sockets.add(upstream);
    const stall = () => stats.stalls++;
    const up = new DelayLine(
      opts.up ?? {},
      random,
      (d) => {
        stats.upBytes += d.length;
        upstream.write(d);
      },
      stall,
    );
    const down = new DelayLine(
      opts.down ?? {},
      random,
      (d) => {
        stats.downBytes += d.length;
        client.write(d);
      },
      stall,
    );
    client.on('data', (d) => up.push(d));
    upstream.on('data', (d) => down.push(d));
    const end = () => {
      up.close();
      down.close();
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    url: `http://${host}:${port}`,
    get connections() {
      return connections;
    },
    stats,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
