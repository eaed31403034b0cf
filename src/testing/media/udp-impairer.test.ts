import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import {
  burstyLoss,
  ImpairmentSchedule,
  relaySdp,
  sdpCandidates,
  startUdpImpairer,
  type UdpImpairer,
} from './udp-impairer.js';

function fates(schedule: ImpairmentSchedule, n: number) {
  return Array.from({ length: n }, () => schedule.next());
}

describe('ImpairmentSchedule', () => {
  it('drops about 2% of 10 000 datagrams at 2% random loss, the same ones for the same seed', () => {
    const a = fates(new ImpairmentSchedule({ loss: 0.02 }, 7), 10_000);
    const dropped = a.filter((f) => f.drop).length;
    // Binomial(10 000, 0.02): mean 200, sd 14; ±5 sd.
    expect(dropped).toBeGreaterThanOrEqual(130);
    expect(dropped).toBeLessThanOrEqual(270);
    const b = fates(new ImpairmentSchedule({ loss: 0.02 }, 7), 10_000);
    expect(b.map((f) => f.drop)).toEqual(a.map((f) => f.drop));
    const c = fates(new ImpairmentSchedule({ loss: 0.02 }, 8), 10_000);
    expect(c.map((f) => f.drop)).not.toEqual(a.map((f) => f.drop));
  });

  it('loses about 5% in bursts with Gilbert–Elliott loss (mean burst 3), not one by one', () => {
    const f = fates(new ImpairmentSchedule({ burst: burstyLoss(0.05, 3) }, 3), 20_000);
    const dropped = f.filter((x) => x.drop).length;
    expect(dropped / f.length).toBeGreaterThan(0.035);
    expect(dropped / f.length).toBeLessThan(0.065);
    // Bursts: count runs of consecutive losses; their mean length is near 3 (random loss gives ~1).
    let runs = 0;
    for (let i = 0; i < f.length; i++) if (f[i]?.drop && !f[i - 1]?.drop) runs++;
    expect(dropped / runs).toBeGreaterThan(2);
    expect(dropped / runs).toBeLessThan(4.5);
  });

  it('adds the fixed delay, and jitter within [delay, delay + jitter]', () => {
    const f = fates(new ImpairmentSchedule({ delayMs: 150, jitterMs: 30 }, 1), 5000);
    expect(f.every((x) => !x.drop && x.delayMs >= 150 && x.delayMs <= 180)).toBe(true);
    const mean = f.reduce((s, x) => s + x.delayMs, 0) / f.length;
    expect(mean).toBeGreaterThan(160);
    expect(mean).toBeLessThan(170);
  });
});

describe('relaySdp', () => {
  const answer = [
    'v=0',
    'o=- 1 0 IN IP4 0.0.0.0',
    's=-',
    't=0 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'c=IN IP4 0.0.0.0',
    'a=candidate:a 1 udp 2130706431 10.0.0.5 40000 typ host',
    'a=candidate:b 1 udp 2130706431 127.0.0.1 40001 typ host',
    'a=end-of-candidates',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    'a=candidate:a 1 udp 2130706431 10.0.0.5 40000 typ host',
    '',
  ].join('\r\n');

  it('finds the host candidates, loopback first', () => {
    expect(sdpCandidates(answer)[0]).toEqual({ address: '127.0.0.1', port: 40001 });
  });

  it('leaves only the relay as a candidate, once per media section', () => {
    const out = relaySdp(answer, { address: '127.0.0.1', port: 5555 });
    expect(sdpCandidates(out)).toEqual([
      { address: '127.0.0.1', port: 5555 },
      { address: '127.0.0.1', port: 5555 },
    ]);
    expect(out).not.toContain('40001');
    expect(relaySdp(answer)).not.toContain('a=candidate');
  });
});

describe('UDP impairer relay', () => {
  const open: { close(): unknown }[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  async function echoServer(): Promise<Socket> {
    const s = createSocket('udp4');
    s.on('message', (msg, from) => s.send(msg, from.port, from.address));
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    open.push({ close: () => new Promise<void>((r) => s.close(() => r())) });
    return s;
  }

  async function client(): Promise<{ socket: Socket; got: { n: number; atMs: number }[] }> {
    const socket = createSocket('udp4');
    const got: { n: number; atMs: number }[] = [];
    socket.on('message', (msg) => got.push({ n: msg.readUInt32BE(1), atMs: performance.now() }));
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    open.push({ close: () => new Promise<void>((r) => socket.close(() => r())) });
    return { socket, got };
  }

  const datagram = (n: number) => {
    const b = Buffer.alloc(20);
    b[0] = 0x80; // looks like RTP
    b.writeUInt32BE(n, 1);
    return b;
  };

  async function until(cond: () => boolean, timeoutMs = 10_000) {
    const start = Date.now();
    while (!cond()) {
      if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async function relayTo(server: Socket, opts: Partial<Parameters<typeof startUdpImpairer>[0]>) {
    const relay: UdpImpairer = await startUdpImpairer({
      target: { address: '127.0.0.1', port: server.address().port },
      ...opts,
    });
    open.unshift(relay);
    return relay;
  }

  it('forwards both ways through one upstream socket per client, and delays by the fixed delay', async () => {
    const server = await echoServer();
    const relay = await relayTo(server, { up: { delayMs: 60 }, down: { delayMs: 60 } });
    const a = await client();
    const b = await client();
    const sentAt = performance.now();
    for (let n = 0; n < 5; n++) a.socket.send(datagram(n), relay.port, relay.address);
    b.socket.send(datagram(100), relay.port, relay.address);
    await until(() => a.got.length === 5 && b.got.length === 1);
    expect(a.got.map((g) => g.n)).toEqual([0, 1, 2, 3, 4]);
    expect(b.got[0]?.n).toBe(100);
    // 60 ms each way; timers never fire early.
    expect(Math.min(...a.got.map((g) => g.atMs - sentAt))).toBeGreaterThanOrEqual(119);
    expect(relay.clients).toBe(2);
    expect(relay.up.rtpForwarded).toBe(6);
    expect(relay.down.forwarded).toBe(6);
  });

  it('reorders datagrams when the jitter exceeds their spacing', async () => {
    const server = await echoServer();
    const relay = await relayTo(server, { up: { jitterMs: 40 }, seed: 5 });
    const a = await client();
    for (let n = 0; n < 100; n++) {
      a.socket.send(datagram(n), relay.port, relay.address);
      await new Promise((r) => setTimeout(r, 5));
    }
    await until(() => a.got.length === 100);
    const order = a.got.map((g) => g.n);
    const outOfOrder = order.filter((n, i) => i > 0 && n < (order[i - 1] as number)).length;
    expect(outOfOrder).toBeGreaterThan(5);
    expect([...order].sort((x, y) => x - y)).toEqual([...Array(100).keys()]);
  });

  it('drops what the schedule drops and counts it', async () => {
    const server = await echoServer();
    const relay = await relayTo(server, { up: { loss: 0.3 }, seed: 9 });
    const a = await client();
    for (let n = 0; n < 200; n++) a.socket.send(datagram(n), relay.port, relay.address);
    await until(() => relay.up.received === 200 && a.got.length === relay.up.forwarded);
    expect(relay.up.dropped).toBeGreaterThan(30);
    expect(relay.up.dropped).toBeLessThan(90);
    expect(relay.up.forwarded + relay.up.dropped).toBe(200);
  });

  it('spares non-RTP datagrams (ICE, DTLS) from loss when mediaOnly is set, and still drops RTP', async () => {
    const server = await echoServer();
    const relay = await relayTo(server, { up: { loss: 0.5 }, seed: 4, mediaOnly: true });
    const a = await client();
    const dtls = (n: number) => {
      const b = datagram(n);
      b[0] = 22; // a DTLS handshake record
      return b;
    };
    for (let n = 0; n < 100; n++) a.socket.send(n % 2 ? datagram(n) : dtls(n), relay.port, relay.address);
    await until(() => relay.up.received === 100 && a.got.length === relay.up.forwarded);
    const got = new Set(a.got.map((g) => g.n));
    expect([...Array(50).keys()].every((k) => got.has(2 * k))).toBe(true);
    expect(relay.up.dropped).toBeGreaterThan(10);
  });

  it('drops everything both ways during a blackout, delayed datagrams included, then forwards again', async () => {
    const server = await echoServer();
    let flowPort = 0;
    server.on('message', (_msg, from) => {
      flowPort = from.port;
    });
    const relay = await relayTo(server, { up: { delayMs: 50 } });
    const a = await client();
    a.socket.send(datagram(0), relay.port, relay.address);
    await until(() => a.got.length === 1);
    // Sent just before the network goes dark: due while it is dark, so lost.
    a.socket.send(datagram(1), relay.port, relay.address);
    await until(() => relay.up.received === 2);
    const dark = relay.blackout(300);
    expect(relay.paused).toBe(true);
    for (let n = 2; n < 12; n++) a.socket.send(datagram(n), relay.port, relay.address);
    // The server speaks first, to the client's flow: nothing comes down while dark either.
    server.send(datagram(99), flowPort, relay.address);
    await until(() => relay.up.received === 12 && relay.down.received === 2);
    await dark;
    expect(relay.paused).toBe(false);
    expect(a.got.map((g) => g.n)).toEqual([0]);
    expect(relay.up.blackedOut).toBe(11);
    expect(relay.up.dropped).toBe(11);
    expect(relay.down.blackedOut).toBe(1);
    // The same flow works again once the network is back.
    a.socket.send(datagram(12), relay.port, relay.address);
    await until(() => a.got.length === 2);
    expect(a.got.map((g) => g.n)).toEqual([0, 12]);
    expect(relay.clients).toBe(1);
  });

  it('pause() holds the blackout until resume()', async () => {
    const server = await echoServer();
    const relay = await relayTo(server, {});
    const a = await client();
    relay.pause();
    a.socket.send(datagram(1), relay.port, relay.address);
    await until(() => relay.up.received === 1);
    expect(relay.up.blackedOut).toBe(1);
    relay.resume();
    a.socket.send(datagram(2), relay.port, relay.address);
    await until(() => a.got.length === 1);
    expect(a.got[0]?.n).toBe(2);
  });

  it('sends flows opened after retarget() to the new target; an open flow keeps its own', async () => {
    const first = await echoServer();
    const second = await echoServer();
    const secondSaw: number[] = [];
    second.on('message', (msg) => secondSaw.push(msg.readUInt32BE(1)));
    const relay = await relayTo(first, {});
    const a = await client();
    a.socket.send(datagram(1), relay.port, relay.address);
    await until(() => a.got.length === 1);
    relay.retarget({ address: '127.0.0.1', port: second.address().port });
    const b = await client();
    b.socket.send(datagram(2), relay.port, relay.address);
    a.socket.send(datagram(3), relay.port, relay.address);
    await until(() => a.got.length === 2 && b.got.length === 1);
    expect(secondSaw).toEqual([2]);
    expect(a.got.map((g) => g.n)).toEqual([1, 3]);
  });
});
