/**
 * One Twilio bidirectional Media Stream bound to one session
 * (protocol: https://www.twilio.com/docs/voice/media-streams/websocket-messages).
 *
 * - `start` carries the session token as a custom parameter (see twilio-webhook.ts): it is checked
 *   with `authorize` before anything is allocated; a refusal closes the socket with the reason.
 * - Caller audio: base64 μ-law 8 kHz → 16-bit → 16 kHz → 20 ms frames on the session timeline.
 *   Twilio's `timestamp` (ms since the stream started) keeps media time honest: a gap (lost
 *   packets) is filled with silence, a late or repeated chunk is dropped.
 * - Agent audio: the session's 16 kHz frames → 8 kHz → μ-law → `media` messages, sent as emitted
 *   (the session paces them in real time; the carrier buffers for playout). Every few frames a
 *   `mark` named `<turnId>:<session ms at the end of that audio>` follows; when Twilio echoes it
 *   the audio before it has been played, which gives the real output latency
 *   (`setOutputLatencyMs`) and the moment the turn became audible (`reportHeard`), so the heard
 *   prefix at a barge-in is what the caller really heard.
 * - Barge-in (`interrupted`): `clear` drops the carrier's buffered audio; marks echoed after it
 *   are ignored (Twilio returns pending marks on `clear`).
 * - DTMF digits are collected until `#` or a pause, then given to the session as a text turn.
 * - `stop` hangs up; a closed socket, or one silent for `inactivityTimeoutMs` (Twilio sends media
 *   every 20 ms, silence included), ends the session too. Bad messages are logged and skipped.
 */
import type { WebSocket } from 'ws';
import { FRAME_MS, SESSION_SAMPLE_RATE } from '../../audio/frame.js';
import { mulawDecode, mulawEncode } from '../../audio/mulaw.js';
import { Reframer } from '../../audio/reframer.js';
import { NarrowbandFloor } from '../../audio/narrowband.js';
import { StreamingResampler } from '../../audio/resampler.js';
import type { SessionApi } from '../../conversation/api.js';
import type { SessionEvent } from '../../conversation/events.js';
import { AUDIO_TOO_FAST, InputPacer } from '../input-pacer.js';
import type { TwilioStreamOptions } from './stream-options.js';
import { type CarrierMessage, MAX_CARRIER_MESSAGE_BYTES, parseCarrierMessage } from './twilio-messages.js';

export type { TwilioStreamOptions } from './stream-options.js';

export const CARRIER_SAMPLE_RATE = 8000;
const CARRIER_MS_PER_SAMPLE = 1000 / CARRIER_SAMPLE_RATE;
const SESSION_FRAME_SAMPLES = (SESSION_SAMPLE_RATE * FRAME_MS) / 1000;

interface SentMark {
  turnId: number;
  /** Session time at the end of the audio before this mark. */
  endMs: number;
  /** Session time the turn's first frame was emitted. */
  turnStartMs: number;
}

export interface TwilioStreamStats {
  mediaIn: number;
  mediaOut: number;
  marksSent: number;
  marksPlayed: number;
  clears: number;
  dtmfTurns: number;
  refused: number;
}

export class TwilioMediaStream {
  private session: SessionApi | undefined;
  private streamSid: string | undefined;
  private callSid = '';
  private authorizing = false;
  private stopRequested = false;
  private closed = false;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private inactivity: NodeJS.Timeout | undefined;
  private dtmfTimer: NodeJS.Timeout | undefined;
  private digits = '';

  // Caller audio.
  private readonly upsampler = new StreamingResampler(CARRIER_SAMPLE_RATE, SESSION_SAMPLE_RATE);
  /** The recognizer's models are 16 kHz ones: the empty band above the phone line's gets a floor. */
  private readonly floor = new NarrowbandFloor();
  private readonly reframer = new Reframer(SESSION_FRAME_SAMPLES);
  /** Carrier time (ms since the stream started) of the next sample expected. */
  private expectedCarrierMs: number | undefined;
  /** Session time of the next caller frame. */
  private nextStartMs: number | undefined;
  private pacer: InputPacer | undefined;

  // Agent audio.
  private downsampler = new StreamingResampler(SESSION_SAMPLE_RATE, CARRIER_SAMPLE_RATE);
  private audioTurn: { turnId: number; startMs: number } | undefined;
  private framesSinceMark = 0;
  private lastFrameEndMs = 0;
  private markSeq = 0;
  private readonly marks = new Map<string, SentMark>();
  private readonly heardReported = new Set<number>();

  private readonly invalidCounts = new Map<string, number>();
  readonly stats: TwilioStreamStats = {
    mediaIn: 0,
    mediaOut: 0,
    marksSent: 0,
    marksPlayed: 0,
    clears: 0,
    dtmfTurns: 0,
    refused: 0,
  };

  constructor(
    private readonly socket: WebSocket,
    private readonly opts: TwilioStreamOptions,
  ) {
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('close', () => void this.end('disconnected'));
    socket.on('error', () => void this.end('disconnected'));
    this.later(opts.startTimeoutMs ?? 10_000, () => {
      if (!this.session && !this.closed) this.refuse('no start message');
    });
  }

  /** Ends the call (hangs up the session, closes the socket). Idempotent. */
  async close(reason: string): Promise<void> {
    await this.end(reason);
  }

  get sessionId(): string | undefined {
    return this.session?.id;
  }

  private onMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (this.closed) return;
    this.touch();
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (isBinary) {
      this.invalid('binary_message', 'binary frames are not part of the protocol');
      return;
    }
    if (bytes.length > MAX_CARRIER_MESSAGE_BYTES) {
      this.invalid('message_too_large', `message of ${bytes.length} bytes refused`);
      return;
    }
    const parsed = parseCarrierMessage(bytes.toString('utf8'));
    if (!parsed.ok) {
      this.invalid(parsed.code, parsed.reason);
      return;
    }
    this.handle(parsed.message);
  }

  private handle(message: CarrierMessage): void {
    switch (message.event) {
      case 'connected':
        return;
      case 'start':
        void this.onStart(message);
        return;
      case 'media':
        if (this.session) this.onCallerAudio(message.payload, message.timestampMs);
        return;
      case 'mark':
        this.onMarkPlayed(message.name);
        return;
      case 'dtmf':
        this.onDigit(message.digit);
        return;
      case 'stop':
        if (this.authorizing) this.stopRequested = true;
        else void this.end('hangup');
        return;
    }
  }

  private async onStart(message: Extract<CarrierMessage, { event: 'start' }>): Promise<void> {
    if (this.session || this.authorizing) {
      this.invalid('duplicate_start', 'the stream has already started');
      return;
    }
    if (
      message.encoding !== 'audio/x-mulaw' ||
      message.sampleRate !== CARRIER_SAMPLE_RATE ||
      message.channels !== 1
    ) {
      this.opts.log?.warn(
        { encoding: message.encoding, sampleRate: message.sampleRate, channels: message.channels },
        'phone stream: unexpected media format; treating it as μ-law 8 kHz mono',
      );
    }
    this.authorizing = true;
    let session: SessionApi;
    try {
      session = await this.opts.authorize(message.customParameters.token);
    } catch (err) {
      this.authorizing = false;
      this.refuse(`not authorized: ${(err as { code?: string }).code ?? (err as Error).message}`);
      return;
    }
    this.authorizing = false;
    if (this.closed) {
      // The socket went away while the token was checked: the call is over.
      await session.close('disconnected').catch(() => undefined);
      return;
    }
    this.session = session;
    this.streamSid = message.streamSid;
    this.callSid = message.callSid;
    this.opts.onSession?.(session);
    this.unsubscribe.push(
      session.onEvent((event) => this.onSessionEvent(event)),
      session.onAgentAudio((frame) => this.onAgentFrame(frame.samples, frame.startMs)),
    );
    session.setOutputLatencyMs(this.opts.initialOutputLatencyMs ?? 150);
    this.opts.log?.info(
      { sessionId: session.id, callSid: this.callSid, streamSid: this.streamSid },
      'phone call connected',
    );
    if (this.stopRequested) {
      await this.end('hangup');
      return;
    }
    session.start();
  }

  // ---- caller audio ----

  private onCallerAudio(payload: Uint8Array, timestampMs: number | undefined): void {
    const session = this.session as SessionApi;
    this.stats.mediaIn++;
    const durationMs = payload.length * CARRIER_MS_PER_SAMPLE;
    let fillMs = 0;
    if (timestampMs !== undefined && this.expectedCarrierMs !== undefined) {
      const gapMs = timestampMs - this.expectedCarrierMs;
      if (gapMs < -2 * FRAME_MS) return; // late or repeated: its time has passed
      if (gapMs > 2 * FRAME_MS && gapMs <= 1000) fillMs = gapMs;
    }
    if (timestampMs !== undefined) this.expectedCarrierMs = timestampMs + durationMs;
    else if (this.expectedCarrierMs !== undefined) this.expectedCarrierMs += durationMs;
    // No faster than real time plus the allowance: a burst must not stall every other call.
    this.pacer ??= new InputPacer({ clock: { now: () => session.now() } });
    const decision = this.pacer.admit(durationMs + fillMs);
    if (!decision.accept) {
      if (decision.report) this.invalid(AUDIO_TOO_FAST, this.pacer.message());
      return;
    }
    // Lost packets: silence keeps media time continuous (μ-law silence is 0xFF).
    if (fillMs > 0)
      this.pushCarrierSamples(new Int16Array(Math.round(fillMs / CARRIER_MS_PER_SAMPLE)), session);
    this.pushCarrierSamples(mulawDecode(payload), session);
  }

  private pushCarrierSamples(samples8k: Int16Array, session: SessionApi): void {
    const wide = this.floor.process(this.upsampler.process(samples8k));
    for (const chunk of this.reframer.push(wide)) {
      const now = Math.round(session.now());
      // Anchored once; re-anchored only if the carrier's pace drifts a second from ours.
      if (this.nextStartMs === undefined || Math.abs(this.nextStartMs - (now - FRAME_MS)) > 1000) {
        this.nextStartMs = Math.max(0, now - FRAME_MS);
      }
      session.pushAudio({ samples: chunk, sampleRate: SESSION_SAMPLE_RATE, startMs: this.nextStartMs });
      this.nextStartMs += FRAME_MS;
    }
  }

  // ---- agent audio ----

  private onSessionEvent(event: SessionEvent): void {
    switch (event.type) {
      case 'agent_audio_started':
        this.sendMark(); // the previous turn's last audio
        this.audioTurn = { turnId: event.turnId, startMs: event.atMs };
        break;
      case 'reply_done':
        if (!event.interrupted && this.audioTurn?.turnId === event.turnId) this.sendMark();
        break;
      case 'interrupted':
        this.clear();
        break;
      case 'ended':
        void this.end(event.reason);
        break;
    }
  }

  private onAgentFrame(samples: Int16Array, startMs: number): void {
    if (!this.streamSid || this.closed) return;
    const narrow = this.downsampler.process(samples);
    if (narrow.length === 0) return;
    const payload = Buffer.from(mulawEncode(narrow)).toString('base64');
    if (!this.send({ event: 'media', streamSid: this.streamSid, media: { payload } })) return;
    this.stats.mediaOut++;
    this.lastFrameEndMs = startMs + FRAME_MS;
    this.framesSinceMark++;
    if (this.framesSinceMark >= (this.opts.markEveryFrames ?? 5)) this.sendMark();
  }

  private sendMark(): void {
    if (!this.audioTurn || this.framesSinceMark === 0 || !this.streamSid) return;
    const name = `${this.audioTurn.turnId}:${Math.round(this.lastFrameEndMs)}:${++this.markSeq}`;
    this.framesSinceMark = 0;
    if (!this.send({ event: 'mark', streamSid: this.streamSid, mark: { name } })) return;
    this.marks.set(name, {
      turnId: this.audioTurn.turnId,
      endMs: this.lastFrameEndMs,
      turnStartMs: this.audioTurn.startMs,
    });
    this.stats.marksSent++;
  }

  private onMarkPlayed(name: string): void {
    const mark = this.marks.get(name);
    const session = this.session;
    if (!mark || !session) return; // unknown, or sent before a `clear` (echoed because it was dropped)
    this.marks.delete(name);
    // Marks come back in order: older ones still outstanding were passed.
    for (const [other, m] of this.marks) if (m.endMs <= mark.endMs) this.marks.delete(other);
    this.stats.marksPlayed++;
    const latencyMs = Math.min(5000, Math.max(0, Math.round(session.now() - mark.endMs)));
    session.setOutputLatencyMs(latencyMs);
    if (!this.heardReported.has(mark.turnId)) {
      this.heardReported.add(mark.turnId);
      session.reportHeard(mark.turnId, mark.turnStartMs + latencyMs);
    }
  }

  private clear(): void {
    this.marks.clear();
    this.framesSinceMark = 0;
    this.audioTurn = undefined;
    this.downsampler = new StreamingResampler(SESSION_SAMPLE_RATE, CARRIER_SAMPLE_RATE);
    if (!this.streamSid) return;
    if (this.send({ event: 'clear', streamSid: this.streamSid })) this.stats.clears++;
  }

  // ---- DTMF ----

  private onDigit(digit: string): void {
    if (!this.session) return;
    if (this.dtmfTimer) {
      clearTimeout(this.dtmfTimer);
      this.timers.delete(this.dtmfTimer);
      this.dtmfTimer = undefined;
    }
    if (digit === '#') {
      this.submitDigits();
      return;
    }
    if (this.digits.length < 32) this.digits += digit;
    this.dtmfTimer = this.later(this.opts.dtmfTimeoutMs ?? 1500, () => this.submitDigits());
  }

  private submitDigits(): void {
    const digits = this.digits;
    this.digits = '';
    if (!digits || !this.session || this.closed) return;
    this.stats.dtmfTurns++;
    this.opts.log?.info({ sessionId: this.session.id, digits: digits.length }, 'phone call: keyed digits');
    this.session.submitText(digits);
  }

  // ---- plumbing ----

  private send(message: object): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  private touch(): void {
    if (!this.session && !this.authorizing) return; // the start timeout covers the wait for `start`
    if (this.inactivity) {
      this.inactivity.refresh();
      return;
    }
    this.inactivity = this.later(this.opts.inactivityTimeoutMs ?? 3000, () => {
      this.opts.log?.warn(
        { sessionId: this.session?.id, callSid: this.callSid },
        'phone call: media stopped without stop',
      );
      void this.end('media_timeout');
    });
  }

  private invalid(code: string, reason: string): void {
    this.stats.refused++;
    const n = (this.invalidCounts.get(code) ?? 0) + 1;
    this.invalidCounts.set(code, n);
    // The first few of each kind, then one in a hundred: a noisy stream must not flood the log.
    if (n <= 3 || n % 100 === 0) {
      this.opts.log?.warn(
        { sessionId: this.session?.id, callSid: this.callSid, code, count: n },
        `phone stream: ${reason}`,
      );
    }
  }

  private refuse(reason: string): void {
    this.opts.log?.warn({ callSid: this.callSid, reason }, 'phone stream refused');
    void this.end(reason, 1008);
  }

  private later(ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    timer.unref();
    this.timers.add(timer);
    return timer;
  }

  private async end(reason: string, code = 1000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const session = this.session;
    try {
      if (session) {
        await session.close(reason).catch((err: unknown) => {
          this.opts.log?.warn({ err, sessionId: session.id }, 'phone call: session close failed');
        });
      }
    } finally {
      for (const off of this.unsubscribe.splice(0)) off();
      if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) {
        this.socket.close(code, reason.slice(0, 120));
      }
      if (session)
        this.opts.log?.info(
          { sessionId: session.id, callSid: this.callSid, reason, ...this.stats },
          'phone call ended',
        );
      this.opts.onClosed?.(reason);
    }
  }
}
