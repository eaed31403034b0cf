import { describe, expect, it } from 'vitest';
import type { AudioFrame } from '../audio/frame.js';
import { VirtualClock } from '../clock.js';
import type { OutboundMessage } from './control-messages.js';
import { LoopbackSession } from './loopback-session.js';
import { type MediaSink, SessionLink } from './session-link.js';

function sink(messages: OutboundMessage[]): MediaSink {
  return {
    sendMessage: (m) => messages.push(m),
    sendAgentAudio: () => {},
    flushAgentAudio: () => {},
    queuedAgentAudioMs: () => 0,
    closeTransport: () => {},
  };
}

describe('session link', () => {
  it('regression: caller frames are dated on the session clock, not estimated from event times', async () => {
    // The session was created (and its clock started) well before the transport attached, and
    // has emitted no event since: the link must still date the caller's audio "now".
    const sessionClock = new VirtualClock();
    await sessionClock.advance(5000);
    const session = new LoopbackSession('s', sessionClock, false);
    const linkClock = new VirtualClock();
    const messages: OutboundMessage[] = [];
    const link = new SessionLink(session, sink(messages), {
      clock: linkClock,
      transport: 'websocket',
      clientBufferMs: 60,
    });
    expect(messages[0]).toMatchObject({ type: 'hello', sessionTimeMs: 5000 });
    link.pushCallerSamples(new Int16Array(640));
    const frames: AudioFrame[] = session.callerFrames;
    expect(frames.map((f) => f.startMs)).toEqual([4980, 5000]);
    expect(frames.every((f) => f.samples.length === 320)).toBe(true);

    // Continuous audio runs on in 20 ms steps; the ping answers with the session's time.
    await sessionClock.advance(40);
    await linkClock.advance(40);
    link.pushCallerSamples(new Int16Array(320));
    expect(frames.at(-1)?.startMs).toBe(5020);
    link.handleControl({ type: 'ping', id: 1 });
    expect(messages.at(-1)).toMatchObject({ type: 'pong', id: 1, sessionTimeMs: 5040 });
    await link.close('hangup');
  });
});
