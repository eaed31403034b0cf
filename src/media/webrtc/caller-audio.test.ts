import { Encoder } from '@evan/opus';
import { describe, expect, it } from 'vitest';
import { OPUS_FRAME_SAMPLES } from '../../audio/opus.js';
import { CallerAudioDecoder } from './caller-audio.js';
import { hasInbandFec } from './opus-fec-decoder.js';

function voicePackets(count: number, fec: boolean): Uint8Array[] {
  const enc = new Encoder({ channels: 1, sample_rate: 48_000, application: 'voip' });
  enc.bitrate = 32_000;
  enc.inband_fec = fec;
  enc.packet_loss = fec ? 10 : 0;
  let phase = 0;
  const out: Uint8Array[] = [];
  for (let f = 0; f < count; f++) {
    const pcm = new Int16Array(OPUS_FRAME_SAMPLES);
    const pitch = 100 + 40 * Math.sin(f / 3); // a gliding pitch: the encoder sends LBRR where it moves
    for (let i = 0; i < pcm.length; i++) {
      phase += (2 * Math.PI * pitch) / 48_000;
      pcm[i] = Math.round(5000 * (Math.sin(phase) + 0.5 * Math.sin(2 * phase) + 0.3 * Math.sin(3 * phase)));
    }
    out.push(enc.encode(pcm).slice());
  }
  return out;
}

function run(packets: Uint8Array[], lost: Set<number>) {
  const frames: Int16Array[] = [];
  const d = new CallerAudioDecoder((s) => frames.push(s));
  packets.forEach((p, seq) => {
    if (!lost.has(seq)) d.push(seq, p, seq * 20);
  });
  d.tick(10_000);
  const samples = frames.reduce((n, f) => n + f.length, 0);
  const stats = d.stats;
  d.close();
  return { samples, stats };
}

describe('CallerAudioDecoder under loss', () => {
  it('rebuilds single losses from in-band FEC and conceals the rest, keeping every 20 ms', () => {
    const packets = voicePackets(100, true);
    // Single losses where the next packet carries FEC (the encoder adds it where speech changes),
    // and one pair lost in a row, whose first has nothing to rebuild from.
    const withFecNext = [...packets.keys()].filter(
      (i) => i > 5 && i < 95 && hasInbandFec(packets[i + 1] as Uint8Array),
    );
    const singles = withFecNext.filter((_i, k) => k % 4 === 0).slice(0, 4);
    expect(singles.length).toBe(4);
    const lost = new Set([...singles, 96, 97]);
    const { samples, stats } = run(packets, lost);
    expect(stats.lost).toBe(6);
    expect(stats.fecRecovered).toBe(hasInbandFec(packets[98] as Uint8Array) ? 5 : 4);
    expect(stats.fecRecovered + stats.concealed).toBe(6);
    expect(stats.fecPackets).toBeGreaterThan(20);
    // 100 slots of 20 ms at 16 kHz (the resampler may still hold a few samples).
    expect(samples).toBeGreaterThan(100 * 320 - 40);
    expect(samples).toBeLessThanOrEqual(100 * 320);
  });

  it('conceals every loss when the sender sends no FEC', () => {
    const { stats } = run(voicePackets(60, false), new Set([10, 20]));
    expect(stats.fecPackets).toBe(0);
    expect(stats.fecRecovered).toBe(0);
    expect(stats.concealed).toBe(2);
  });

  it('ignores packets after close (the peer may still deliver a few)', () => {
    const frames: Int16Array[] = [];
    const d = new CallerAudioDecoder((s) => frames.push(s));
    d.close();
    d.push(1, voicePackets(1, false)[0] as Uint8Array, 0);
    d.tick(1000);
    expect(frames).toEqual([]);
  });
});
