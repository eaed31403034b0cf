/**
 * The agent-audio half of every transport: a paced send queue (flushed at once on barge-in)
 * that also publishes when frames really left, for the tests and benchmarks that time it.
 */
import { type AudioFrame, FRAME_MS } from '../audio/frame.js';
import type { Clock } from '../clock.js';
import { publishAgentAudio } from './diagnostics.js';
import { PacedSender, type SendInfo } from './paced-sender.js';

export interface AgentAudioOutOptions {
  clock: Clock;
  sessionId: string;
  transport: 'webrtc' | 'websocket';
  /** Puts one frame on the wire; returns false when it could not (the connection is gone). */
  send(frame: AudioFrame, info: SendInfo): boolean | undefined;
}

export class AgentAudioOut {
  private readonly sender: PacedSender<AudioFrame>;

  constructor(private readonly opts: AgentAudioOutOptions) {
    this.sender = new PacedSender<AudioFrame>({
      clock: opts.clock,
      frameMs: FRAME_MS,
      send: (frame, info) => {
        if (opts.send(frame, info) === false) return;
        publishAgentAudio({
          kind: 'sent',
          sessionId: opts.sessionId,
          transport: opts.transport,
          atMs: performance.now(),
        });
      },
    });
  }

  enqueue(frame: AudioFrame): void {
    this.sender.enqueue(frame);
  }

  /** Drops everything queued (barge-in). */
  flush(): void {
    const droppedFrames = this.sender.flush();
    publishAgentAudio({
      kind: 'flushed',
      sessionId: this.opts.sessionId,
      transport: this.opts.transport,
      atMs: performance.now(),
      droppedFrames,
    });
  }

  /** Agent audio waiting on the server, in ms. */
  queuedMs(): number {
    return this.sender.queuedFrames * FRAME_MS;
  }

  close(): void {
    this.sender.close();
  }
}
