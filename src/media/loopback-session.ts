/**
 * A SessionApi that plays the caller's audio straight back: the media plane's echo mode, for
 * measuring transports (round trip, CPU per stream) without the speech engines in the way.
 */
import { type AudioFrame, SESSION_SAMPLE_RATE } from '../audio/frame.js';
import type { Clock } from '../clock.js';
import type { ChatMessage, SessionApi } from '../conversation/api.js';
import type { SessionEvent, SessionState, TurnTrace } from '../conversation/events.js';

export class LoopbackSession implements SessionApi {
  private readonly audioListeners = new Set<(frame: AudioFrame) => void>();
  private readonly eventListeners = new Set<(event: SessionEvent) => void>();
  private currentState: SessionState = 'listening';
  /** Everything the caller sent, in order. */
  readonly callerFrames: AudioFrame[] = [];
  readonly heardReports: { turnId: number; atMs: number }[] = [];
  /** Text turns the transport handed over (keyed digits, typed messages), in order. */
  readonly texts: string[] = [];
  outputLatencyMs = 0;
  startCount = 0;
  closeReason: string | undefined;

  constructor(
    readonly id: string,
    private readonly clock: Clock,
    /** Echo caller audio back as agent audio. Default true. */
    private readonly echo = true,
  ) {}

  get state(): SessionState {
    return this.currentState;
  }

  now(): number {
    return this.clock.now();
  }

  start(): void {
    this.startCount++;
    this.emit({ type: 'state', state: 'listening', atMs: this.clock.now() });
  }

  pushAudio(frame: AudioFrame): void {
    if (this.currentState === 'ended') return;
    if (frame.sampleRate !== SESSION_SAMPLE_RATE || frame.samples.length === 0) {
      this.emit({
        type: 'error',
        message: `expected non-empty ${SESSION_SAMPLE_RATE} Hz frames`,
        atMs: this.clock.now(),
      });
      return;
    }
    this.callerFrames.push(frame);
    if (this.echo) this.playAgentFrame(frame.samples);
  }

  /** Emits one agent frame now (as the session's playout would). */
  playAgentFrame(samples: Int16Array): void {
    const frame: AudioFrame = { samples, sampleRate: SESSION_SAMPLE_RATE, startMs: this.clock.now() };
    for (const l of this.audioListeners) l(frame);
  }

  /** Emits a session event to every listener (the transports forward them to the client). */
  emit(event: SessionEvent): void {
    if (event.type === 'state') this.currentState = event.state;
    for (const l of [...this.eventListeners]) l(event);
  }

  onAgentAudio(listener: (frame: AudioFrame) => void): () => void {
    this.audioListeners.add(listener);
    return () => this.audioListeners.delete(listener);
  }

  onEvent(listener: (event: SessionEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  setOutputLatencyMs(ms: number): void {
    this.outputLatencyMs = ms;
  }

  reportHeard(turnId: number, atMs: number): void {
    this.heardReports.push({ turnId, atMs });
  }

  submitText(text: string): void {
    this.texts.push(text);
  }

  history(): ChatMessage[] {
    return [];
  }

  traces(): TurnTrace[] {
    return [];
  }

  async close(reason = 'closed'): Promise<void> {
    if (this.currentState === 'ended') return;
    this.closeReason = reason;
    this.currentState = 'ended';
    this.emit({ type: 'ended', reason, atMs: this.clock.now() });
    this.audioListeners.clear();
  }
}
