import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../clock.js';
import { type LivenessSocket, type WsDeadReason, WsLiveness } from './ws-liveness.js';

class FakeSocket implements LivenessSocket {
  bufferedAmount = 0;
  pings = 0;
  answer = true;
  private onPong: (() => void) | undefined;
  ping(): void {
    this.pings++;
    if (this.answer) queueMicrotask(() => this.onPong?.());
  }
  on(_event: 'pong', listener: () => void): void {
    this.onPong = listener;
  }
}

function watch(opts: ConstructorParameters<typeof WsLiveness>[2] = {}) {
  const clock = new VirtualClock();
  const socket = new FakeSocket();
  const dead: { reason: WsDeadReason; atMs: number }[] = [];
  const live = new WsLiveness(socket, clock, opts, (reason) => dead.push({ reason, atMs: clock.now() }));
  return { clock, socket, dead, live };
}

describe('WsLiveness (production defaults, virtual clock)', () => {
  it('pings every 5 s and drops a client that leaves 2 pings unanswered (finding 3)', async () => {
    const { clock, socket, dead, live } = watch({ noAudioTimeoutMs: 0 });
    await clock.advance(60_000);
    expect(socket.pings).toBe(12);
    expect(dead).toEqual([]);
    socket.answer = false; // frozen
    const frozeAt = clock.now();
    await clock.advance(20_000);
    expect(dead.map((d) => d.reason)).toEqual(['heartbeat_timeout']);
    const after = (dead[0]?.atMs ?? 0) - frozeAt;
    expect(after).toBeGreaterThanOrEqual(10_000);
    expect(after).toBeLessThanOrEqual(15_000);
    live.close();
  });

  it('closes a client that sends no audio for 30 s; audio keeps it open', async () => {
    const { clock, dead, live } = watch({ heartbeatMs: 0 });
    for (let i = 0; i < 100; i++) {
      await clock.advance(1000);
      live.audioReceived();
    }
    expect(dead).toEqual([]);
    await clock.advance(29_000);
    expect(dead).toEqual([]);
    await clock.advance(2000);
    expect(dead.map((d) => d.reason)).toEqual(['no_audio']);
  });

  it('drops agent audio over 160000 buffered bytes and closes after 10 s over it, or at once past 1 MiB', async () => {
    const { clock, socket, dead, live } = watch({ heartbeatMs: 0, noAudioTimeoutMs: 0 });
    socket.bufferedAmount = 100_000;
    expect(live.mayQueueAudio()).toBe(true);
    socket.bufferedAmount = 200_000;
    expect(live.mayQueueAudio()).toBe(false);
    expect(live.maySend(640)).toBe(true);
    await clock.advance(9000);
    expect(dead).toEqual([]);
    await clock.advance(2000);
    expect(dead.map((d) => d.reason)).toEqual(['send_buffer_full']);

    const hard = watch({ heartbeatMs: 0, noAudioTimeoutMs: 0 });
    hard.socket.bufferedAmount = 1024 * 1024 - 100;
    expect(hard.live.maySend(200)).toBe(false);
    expect(hard.dead.map((d) => d.reason)).toEqual(['send_buffer_full']);
  });
});
