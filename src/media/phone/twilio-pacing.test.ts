import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { settle, VirtualClock } from '../../clock.js';
import { LoopbackSession } from '../loopback-session.js';
import { TwilioMediaStream } from './twilio-stream.js';

/** Just enough of a ws socket for the stream: messages in, sends recorded. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readonly CONNECTING = 0;
  readyState = 1;
  readonly sent: string[] = [];
  send(text: string): void {
    this.sent.push(text);
  }
  close(): void {
    this.readyState = 3;
  }
  receive(message: object): void {
    this.emit('message', Buffer.from(JSON.stringify(message)), false);
  }
}

describe('Twilio media stream pacing', () => {
  it('a carrier bursting 300 s of media at once has at most real time + 2 s processed, and it is logged (finding 7)', async () => {
    const clock = new VirtualClock();
    const session = new LoopbackSession('phone-1', clock, false);
    const socket = new FakeSocket();
    const warnings: { code?: string }[] = [];
    const stream = new TwilioMediaStream(socket as unknown as WebSocket, {
      authorize: async () => session,
      log: { info: () => undefined, warn: (obj: { code?: string }) => warnings.push(obj) },
      inactivityTimeoutMs: 60_000,
    });
    socket.receive({
      event: 'start',
      streamSid: 'MZ1',
      start: {
        streamSid: 'MZ1',
        callSid: 'CA1',
        customParameters: { token: 't' },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    });
    await settle();
    expect(stream.sessionId).toBe('phone-1');
    await clock.advance(100);
    // 20 ms of μ-law silence per message, 15000 messages with honest timestamps, all at once.
    const payload = Buffer.alloc(160, 0xff).toString('base64');
    for (let i = 0; i < 15_000; i++) {
      socket.receive({ event: 'media', streamSid: 'MZ1', media: { payload, timestamp: String(i * 20) } });
    }
    const processedMs = session.callerFrames.length * 20;
    expect(processedMs).toBeLessThanOrEqual(100 + 2000 + 40);
    expect(processedMs).toBeGreaterThan(1500);
    expect(warnings.filter((w) => w.code === 'audio_too_fast')).toHaveLength(1);
    expect(session.state).not.toBe('ended');
    await stream.close('hangup');
  });
});
