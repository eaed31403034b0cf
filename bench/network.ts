/**
 * bench:network — task success and TTFA over impaired networks against the clean path. A real
 * Parley server (embedded engines, no greeting) takes N calls per condition: WebRTC from a werift
 * caller whose ICE reaches the server only through the UDP impairer, WebSocket through the TCP
 * impairer. The caller asks "where is my order four two one nine" (flite); success = the order
 * tool ran for 4219 and the reply gave its status. TTFA is the caller's: end of its speech → first
 * audible agent audio arriving (so it includes the network delay both ways).
 *
 * Usage: npx tsx bench/network.ts [--calls N] [--transport webrtc|websocket]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createServer } from '../src/control/server.js';
import {
  type ImpairedCallOptions,
  type ImpairedCallResult,
  renderUtterance,
  runImpairedCall,
} from '../src/testing/media/impaired-call.js';
import type { StreamImpairment } from '../src/testing/media/tcp-impairer.js';
import { burstyLoss, type Impairment } from '../src/testing/media/udp-impairer.js';

const { values } = parseArgs({
  options: { calls: { type: 'string', default: '10' }, transport: { type: 'string' } },
});
const CALLS = Math.max(1, Number(values.calls));
const TRANSPORTS = (values.transport ? [values.transport] : ['webrtc', 'websocket']) as (
  | 'webrtc'
  | 'websocket'
)[];

interface Condition {
  name: string;
  /** Both ways on the UDP relay. */
  udp: Impairment;
  /**
   * Both ways on the TCP proxy. TCP never loses: a lost segment holds the stream until it is
   * retransmitted (≥ 200 ms minimum RTO), and jitter holds later data behind earlier.
   */
  tcp: StreamImpairment;
  /**
   * Impair the ICE/DTLS/SCTP datagrams too. Off elsewhere: werift 0.24's DTLS does not recover
   * from a lost or reordered handshake flight, so this row measures how often a call fails to connect.
   */
  handshake?: boolean;
}

const CONDITIONS: Condition[] = [
  { name: 'clean', udp: {}, tcp: {} },
  { name: '2% loss', udp: { loss: 0.02 }, tcp: { stallEveryMs: 1000, stallMs: 200 } },
  { name: '5% bursty loss', udp: { burst: burstyLoss(0.05, 3) }, tcp: { stallEveryMs: 1200, stallMs: 300 } },
  { name: '30 ms jitter', udp: { jitterMs: 30 }, tcp: { stallEveryMs: 200, stallMs: 30 } },
  { name: '150 ms delay', udp: { delayMs: 150 }, tcp: { delayMs: 150 } },
  {
    name: '2% loss + 30 ms jitter',
    udp: { loss: 0.02, jitterMs: 30 },
    tcp: { stallEveryMs: 600, stallMs: 200 },
  },
  {
    name: '2% loss, handshake too',
    udp: { loss: 0.02 },
    tcp: { stallEveryMs: 1000, stallMs: 200 },
    handshake: true,
  },
];

function percentile(xs: number[], p: number): number | undefined {
  if (xs.length === 0) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const fmt = (x: number | undefined) => (x === undefined ? '—' : `${Math.round(x)}`);

const dir = mkdtempSync(join(tmpdir(), 'parley-bench-network-'));
const server = await createServer({ port: 0, dataDir: join(dir, 'data'), logger: false, greeting: false });
const utterance = await renderUtterance('where is my order four two one nine');
console.log(
  `bench:network — ${CALLS} call(s) per condition; TTFA in ms (caller side; server trace in brackets)`,
);

try {
  for (const transport of TRANSPORTS) {
    console.log(`\n${transport}`);
    console.log(
      'condition                 success  TTFA p50  TTFA p95  ×clean p95  [server p50/p95]  impairment seen',
    );
    let cleanP95: number | undefined;
    for (const [ci, c] of CONDITIONS.entries()) {
      const results: ImpairedCallResult[] = [];
      for (let i = 0; i < CALLS; i++) {
        const opts: ImpairedCallOptions = {
          serverUrl: server.url,
          apiKey: server.apiKey,
          transport,
          utterance16k: utterance,
          // A browser adds FEC once receiver reports show loss; this caller does so from the start.
          fecLossPercent: 5,
          udp: { up: c.udp, down: c.udp, seed: 1000 * ci + i, mediaOnly: !c.handshake },
          tcp: { up: c.tcp, down: c.tcp, seed: 1000 * ci + i },
        };
        try {
          results.push(await runImpairedCall(opts));
        } catch (err) {
          results.push({ success: false, failure: String(err), framesSent: 0 });
        }
      }
      const ok = results.filter((r) => r.success);
      const ttfa = ok.flatMap((r) => (r.ttfaMs === undefined ? [] : [r.ttfaMs]));
      const serverTtfa = ok.flatMap((r) => (r.serverTtfaMs === undefined ? [] : [r.serverTtfaMs]));
      const p95 = percentile(ttfa, 95);
      if (c.name === 'clean') cleanP95 = p95;
      const ratio = p95 !== undefined && cleanP95 ? (p95 / cleanP95).toFixed(2) : '—';
      const dropped = results.reduce((n, r) => n + (r.relay?.up.dropped ?? 0), 0);
      console.log(
        `${c.name.padEnd(25)} ${`${ok.length}/${results.length}`.padStart(7)}  ${fmt(percentile(ttfa, 50)).padStart(8)}  ${fmt(p95).padStart(8)}  ${ratio.padStart(10)}  [${fmt(percentile(serverTtfa, 50))}/${fmt(percentile(serverTtfa, 95))}]`.padEnd(
          94,
        ) +
          (transport === 'webrtc'
            ? `  up dropped ${dropped}`
            : `  stalls ${results.reduce((n, r) => n + (r.stalls ?? 0), 0)}`),
      );
      for (const r of results.filter((x) => !x.success)) console.log(`    failed: ${r.failure}`);
    }
  }
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
