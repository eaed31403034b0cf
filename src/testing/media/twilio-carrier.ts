/**
 * A simulated Twilio carrier for tests and the phone eval: it dials the media route, speaks the
 * documented Media Streams protocol (https://www.twilio.com/docs/voice/media-streams/websocket-messages)
 * and behaves like the carrier's side of a call: caller audio goes out as 20 ms μ-law `media`
 * messages (silence between utterances, as a phone line does), agent audio is played out through a
 * jitter buffer at real-time pace, `mark`s are echoed once the audio before them has played, and
 * `clear` drops what is buffered (echoing the marks it drops).
 */
import WebSocket from 'ws';
import { mulawEncode } from '../../audio/mulaw.js';
import { resample } from '../../audio/resampler.js';

const CHUNK_BYTES = 160; // 20 ms at 8 kHz
const MULAW_SILENCE = 0xff;

type PlayItem = { kind: 'media'; bytes: number } | { kind: 'mark'; name: string };

export interface CarrierSimOptions {
  /** Agent audio buffered before playout starts (per talkspurt), ms. Default 200. */
  jitterBufferMs?: number;
}

export class CarrierSim {
  readonly socket: WebSocket;
  readonly streamSid = `MZ${'0'.repeat(30)}01`;
  readonly callSid = `CA${'0'.repeat(30)}01`;
  /** Every message the server sent, parsed. */
  readonly received: { event: string; [k: string]: unknown }[] = [];
  mediaReceived = 0;
  clears = 0;
  /** Agent audio played, per turn id (attributed through the marks), ms. */
  readonly playedMsByTurn = new Map<number, number>();
  /** Agent audio played in all, ms. */
  playedMs = 0;
  /** Local time (performance.now) the last agent media message arrived. */
  lastMediaAtMs = 0;
  closeCode: number | undefined;
  closeReason = '';
  readonly closed: Promise<void>;

  private readonly queue: PlayItem[] = [];
  private pendingPlayedMs = 0;
  private playing = false;
  private readonly outgoing: Uint8Array[] = [];
  private sentChunks = 0;
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private ticks = 0;
  private sending = true;

  constructor(
    url: string,
    private readonly opts: CarrierSimOptions = {},
  ) {
    this.socket = new WebSocket(url);
    this.socket.on('message', (data) => this.onMessage(data.toString()));
    this.closed = new Promise((resolve) =>
      this.socket.once('close', (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        this.stopClock();
        resolve();
      }),
    );
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.readyState === WebSocket.OPEN) return resolve();
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
      this.socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  /** `connected` then `start` with the custom parameters of the TwiML; starts the 20 ms clock. */
  start(customParameters: Record<string, string>): void {
    this.sendJson({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    this.sendJson({
      event: 'start',
      sequenceNumber: '1',
      streamSid: this.streamSid,
      start: {
        accountSid: `AC${'0'.repeat(32)}`,
        streamSid: this.streamSid,
        callSid: this.callSid,
        tracks: ['inbound'],
        customParameters,
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    });
    this.startedAt = performance.now();
    this.tick();
  }

  /** Queues caller speech (16 kHz PCM) to go out after what is already queued. */
  say(samples16k: Int16Array): void {
    const bytes = mulawEncode(resample(samples16k, 16_000, 8000));
    for (let i = 0; i < bytes.length; i += CHUNK_BYTES) {
      const chunk = new Uint8Array(CHUNK_BYTES).fill(MULAW_SILENCE);
      chunk.set(bytes.subarray(i, i + CHUNK_BYTES));
      this.outgoing.push(chunk);
    }
  }

  /** Caller audio still queued, ms. */
  get speakingMs(): number {
    return this.outgoing.length * 20;
  }

  dtmf(digit: string): void {
    this.sendJson({
      event: 'dtmf',
      streamSid: this.streamSid,
      sequenceNumber: String(this.sequence()),
      dtmf: { track: 'inbound_track', digit },
    });
  }

  stop(): void {
    this.sendJson({
      event: 'stop',
      sequenceNumber: String(this.sequence()),
      streamSid: this.streamSid,
      stop: { accountSid: `AC${'0'.repeat(32)}`, callSid: this.callSid },
    });
    this.stopClock();
  }

  /** Stops sending anything while keeping the socket open (a stream that vanished). */
  goSilent(): void {
    this.sending = false;
  }

  sendRaw(text: string): void {
    this.socket.send(text);
  }

  stopClock(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private sequence(): number {
    return this.sentChunks + 2;
  }

  private sendJson(message: object): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  /** One 20 ms step: caller audio out, agent audio played. Drift-corrected; catches up after a stall. */
  private tick(): void {
    const due = Math.floor((performance.now() - this.startedAt) / 20);
    while (this.ticks <= due) {
      this.ticks++;
      if (this.sending) this.sendChunk();
      this.playStep();
    }
    const next = this.startedAt + this.ticks * 20 - performance.now();
    this.timer = setTimeout(() => this.tick(), Math.max(1, next));
  }

  private sendChunk(): void {
    const chunk = this.outgoing.shift() ?? new Uint8Array(CHUNK_BYTES).fill(MULAW_SILENCE);
    const timestamp = this.sentChunks * 20;
    this.sentChunks++;
    this.sendJson({
      event: 'media',
      sequenceNumber: String(this.sequence()),
      streamSid: this.streamSid,
      media: {
        track: 'inbound',
        chunk: String(this.sentChunks),
        timestamp: String(timestamp),
        payload: Buffer.from(chunk).toString('base64'),
      },
    });
  }

  private bufferedMs(): number {
    let bytes = 0;
    for (const item of this.queue) if (item.kind === 'media') bytes += item.bytes;
    return bytes / 8;
  }

  private playStep(): void {
    this.echoMarksAtHead();
    if (!this.playing) {
      // A talkspurt starts once the jitter buffer holds enough (or nothing more is coming soon).
      if (this.bufferedMs() < (this.opts.jitterBufferMs ?? 200)) {
        if (this.queue.length === 0 || performance.now() - this.lastMediaAtMs < 100) return;
      }
      this.playing = true;
    }
    let budget = 20;
    while (budget > 0) {
      const head = this.queue[0];
      if (!head) {
        this.playing = false;
        return;
      }
      if (head.kind === 'mark') {
        this.echoMarksAtHead();
        continue;
      }
      const ms = Math.min(budget, head.bytes / 8);
      head.bytes -= ms * 8;
      budget -= ms;
      this.playedMs += ms;
      this.pendingPlayedMs += ms;
      if (head.bytes <= 0) this.queue.shift();
    }
    this.echoMarksAtHead();
  }

  private echoMarksAtHead(): void {
    for (let head = this.queue[0]; head?.kind === 'mark'; head = this.queue[0]) {
      this.queue.shift();
      this.attribute(head.name);
      this.sendJson({
        event: 'mark',
        sequenceNumber: String(this.sequence()),
        streamSid: this.streamSid,
        mark: { name: head.name },
      });
    }
  }

  /** Audio played since the previous mark belongs to the turn this mark names. */
  private attribute(markName: string): void {
    const turnId = Number(markName.split(':')[0]);
    if (Number.isFinite(turnId))
      this.playedMsByTurn.set(turnId, (this.playedMsByTurn.get(turnId) ?? 0) + this.pendingPlayedMs);
    this.pendingPlayedMs = 0;
  }

  private onMessage(text: string): void {
    const message = JSON.parse(text) as {
      event: string;
      media?: { payload: string };
      mark?: { name: string };
    };
    this.received.push(message);
    switch (message.event) {
      case 'media': {
        const bytes = Buffer.from(message.media?.payload ?? '', 'base64').length;
        this.mediaReceived++;
        this.lastMediaAtMs = performance.now();
        this.queue.push({ kind: 'media', bytes });
        break;
      }
      case 'mark':
        this.queue.push({ kind: 'mark', name: message.mark?.name ?? '' });
        break;
      case 'clear': {
        this.clears++;
        // The audio played since the last mark belongs to the turn of the first mark dropped.
        const firstMark = this.queue.find((i): i is Extract<PlayItem, { kind: 'mark' }> => i.kind === 'mark');
        if (firstMark) this.attribute(firstMark.name);
        const dropped = this.queue.splice(0);
        this.playing = false;
        for (const item of dropped) {
          if (item.kind === 'mark')
            this.sendJson({
              event: 'mark',
              sequenceNumber: String(this.sequence()),
              streamSid: this.streamSid,
              mark: { name: item.name },
            });
        }
        break;
      }
    }
  }
}
