import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../clock.js';
import { DEFAULT_PEER_TIMEOUT_MS, PeerLiveness } from './peer-liveness.js';

/** Ticks every 20 ms (as the transport does) for `ms`; returns when the peer first counted as gone. */
async function run(
  clock: VirtualClock,
  live: PeerLiveness,
  ms: number,
  heardEveryMs = 0,
): Promise<number | undefined> {
  const start = clock.now();
  let gone: number | undefined;
  for (let t = 0; t < ms; t += 20) {
    await clock.advance(20);
    if (heardEveryMs > 0 && t % heardEveryMs === 0) live.heard();
    if (live.tick(clock.now()) && gone === undefined) gone = clock.now() - start;
  }
  return gone;
}

describe('PeerLiveness', () => {
  it('with the production default, a vanished WebRTC peer is noticed in under 3 s (finding 3)', async () => {
    const clock = new VirtualClock();
    const live = new PeerLiveness();
    live.tick(clock.now());
    live.heard();
    const gone = await run(clock, live, 5000);
    expect(DEFAULT_PEER_TIMEOUT_MS).toBe(2000);
    expect(gone).toBeGreaterThanOrEqual(2000);
    expect(gone).toBeLessThan(3000);
  });

  it('a peer heard every 400 ms (Opus DTX, the slowest a browser sends) is never gone', async () => {
    const clock = new VirtualClock();
    const live = new PeerLiveness();
    live.tick(clock.now());
    expect(await run(clock, live, 60_000, 400)).toBeUndefined();
  });

  it('an event-loop stall is not counted as the peer’s silence', async () => {
    const clock = new VirtualClock();
    const live = new PeerLiveness({ peerTimeoutMs: 500 });
    live.tick(clock.now());
    live.heard();
    await clock.advance(5000); // the server froze; the peer's packets wait in the socket
    expect(live.tick(clock.now())).toBe(false);
    live.heard(); // ...and are read right after this late tick
    expect(live.silenceMs).toBe(0);
  });
});
