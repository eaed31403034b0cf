import { createServer, createConnection, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTcpImpairer, type TcpImpairer } from './tcp-impairer.js';

const open: (Server | TcpImpairer)[] = [];
afterEach(async () => {
  for (const s of open.splice(0).reverse()) {
    if ('stats' in s) await s.close();
    else await new Promise<void>((r) => s.close(() => r()));
  }
});

async function echo(): Promise<number> {
  const server = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  open.push(server);
  const a = server.address();
  return typeof a === 'object' && a ? a.port : 0;
}

async function until(cond: () => boolean, timeoutMs = 10_000) {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('TCP impairer', () => {
  it('delays every chunk by the fixed delay each way and keeps the byte order', async () => {
    const proxy = await startTcpImpairer({
      target: { host: '127.0.0.1', port: await echo() },
      up: { delayMs: 80 },
      down: { delayMs: 80 },
    });
    open.push(proxy);
    const socket = createConnection({ host: '127.0.0.1', port: proxy.port });
    const got: Buffer[] = [];
    socket.on('data', (d) => got.push(d));
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const sentAt = performance.now();
    for (let i = 0; i < 50; i++) socket.write(Buffer.from(`${i},`));
    await until(() => Buffer.concat(got).length >= 140);
    const elapsed = performance.now() - sentAt;
    socket.destroy();
    expect(Buffer.concat(got).toString()).toBe(Array.from({ length: 50 }, (_, i) => `${i},`).join(''));
    expect(elapsed).toBeGreaterThanOrEqual(159); // 80 ms there and 80 ms back, at least
  });

  it('stalls the stream: nothing passes during a stall, then everything held arrives in order', async () => {
    const proxy = await startTcpImpairer({
      target: { host: '127.0.0.1', port: await echo() },
      down: { stallEveryMs: 200, stallMs: 300 },
      seed: 2,
    });
    open.push(proxy);
    const socket = createConnection({ host: '127.0.0.1', port: proxy.port });
    const arrivals: { atMs: number; text: string }[] = [];
    socket.on('data', (d) => arrivals.push({ atMs: performance.now(), text: d.toString() }));
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const start = performance.now();
    let n = 0;
    while (performance.now() - start < 1500) {
      socket.write(`${n++};`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await until(
      () =>
        arrivals
          .map((a) => a.text)
          .join('')
          .split(';').length > n,
    );
    socket.destroy();
    expect(proxy.stats.stalls).toBeGreaterThanOrEqual(1);
    // A gap of at least most of a stall between two deliveries, with data written all the while.
    const gaps = arrivals.slice(1).map((a, i) => a.atMs - (arrivals[i] as { atMs: number }).atMs);
    expect(Math.max(...gaps)).toBeGreaterThan(250);
    expect(arrivals.map((a) => a.text).join('')).toBe(Array.from({ length: n }, (_, i) => `${i};`).join(''));
  });
});
