/**
 * Agent audio to RTP: 16 kHz frames → 48 kHz → 20 ms Opus packets with continuous sequence
 * numbers; timestamps advance 960 per packet and jump by the real pause after a gap, where the
 * marker bit flags the new talkspurt.
 */
import { RtpHeader, RtpPacket } from 'werift';
import { SESSION_SAMPLE_RATE } from '../../audio/frame.js';
import { OpusEncoder48k } from '../../audio/opus.js';
import { Reframer } from '../../audio/reframer.js';
import { StreamingResampler } from '../../audio/resampler.js';

const SAMPLES_PER_PACKET = 960;

export class AgentAudioPacketizer {
  private readonly encoder = new OpusEncoder48k();
  private resampler = new StreamingResampler(SESSION_SAMPLE_RATE, 48_000);
  private reframer = new Reframer(SAMPLES_PER_PACKET);
  private sequenceNumber: number;
  private timestamp: number;
  private readonly ssrc: number;
  private lastSendAtMs: number | undefined;
  private markNext = true;
  packetsSent = 0;

  constructor(
    private readonly payloadType: number,
    private readonly write: (packet: RtpPacket) => void,
    random: () => number = Math.random,
  ) {
    // Random initial values, as RTP asks (RFC 3550 §5.1).
    this.sequenceNumber = Math.floor(random() * 0x10000);
    this.timestamp = Math.floor(random() * 0x100000000);
    this.ssrc = Math.floor(random() * 0x100000000) >>> 0;
  }

  /** One paced 16 kHz frame; `afterGap` marks the first frame after the queue ran dry. */
  send(samples16k: Int16Array, atMs: number, afterGap: boolean): void {
    if (afterGap) {
      // Start each talkspurt clean; the pause itself shows up as a timestamp jump.
      this.resampler = new StreamingResampler(SESSION_SAMPLE_RATE, 48_000);
      this.reframer = new Reframer(SAMPLES_PER_PACKET);
      this.markNext = true;
      if (this.lastSendAtMs !== undefined) {
        const pauseMs = Math.max(0, atMs - this.lastSendAtMs - 20);
        this.timestamp = (this.timestamp + Math.round(pauseMs * 48)) >>> 0;
      }
    }
    this.lastSendAtMs = atMs;
    for (const pcm of this.reframer.push(this.resampler.process(samples16k))) {
      const header = new RtpHeader({
        payloadType: this.payloadType,
        sequenceNumber: this.sequenceNumber,
        timestamp: this.timestamp,
        ssrc: this.ssrc,
        marker: this.markNext,
      });
      this.markNext = false;
      this.write(new RtpPacket(header, Buffer.from(this.encoder.encode(pcm))));
      this.packetsSent++;
      this.sequenceNumber = (this.sequenceNumber + 1) & 0xffff;
      this.timestamp = (this.timestamp + SAMPLES_PER_PACKET) >>> 0;
    }
  }
}
