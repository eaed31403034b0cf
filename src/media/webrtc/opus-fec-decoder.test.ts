import { Encoder } from '@evan/opus';
import { describe, expect, it } from 'vitest';
import { OPUS_FRAME_SAMPLES, OpusEncoder48k } from '../../audio/opus.js';
import { FecOpusDecoder, hasInbandFec } from './opus-fec-decoder.js';

/** A voiced sound (three harmonics) that jumps in pitch and loudness at frame `changeAt`. */
function voiceFrames(count: number, changeAt = count): Int16Array[] {
  const frames: Int16Array[] = [];
  let phase = 0;
  for (let f = 0; f < count; f++) {
    const pcm = new Int16Array(OPUS_FRAME_SAMPLES);
    const pitch = f >= changeAt ? 220 : 120;
    const amp = f >= changeAt ? 9000 : 3000;
    for (let i = 0; i < pcm.length; i++) {
      phase += (2 * Math.PI * pitch) / 48_000;
      pcm[i] = Math.round(amp * (Math.sin(phase) + 0.5 * Math.sin(2 * phase) + 0.3 * Math.sin(3 * phase)));
    }
    frames.push(pcm);
  }
  return frames;
}

function fecEncode(frames: Int16Array[]): Uint8Array[] {
  const enc = new Encoder({ channels: 1, sample_rate: 48_000, application: 'voip' });
  enc.bitrate = 32_000;
  enc.inband_fec = true;
  enc.packet_loss = 10; // what a browser does once receiver reports show loss
  return frames.map((f) => enc.encode(f).slice());
}

function snrDb(ref: Int16Array, got: Int16Array): number {
  let sig = 0;
  let noise = 0;
  for (let i = 0; i < ref.length; i++) {
    sig += (ref[i] as number) ** 2;
    noise += ((ref[i] as number) - (got[i] as number)) ** 2;
  }
  return 10 * Math.log10(sig / Math.max(1, noise));
}

describe('FecOpusDecoder', () => {
  it('rebuilds a lost packet from the next packet’s in-band FEC, much closer than concealment', () => {
    // The sound changes just before the lost packet: concealment can only extrapolate the old one.
    const lost = 31;
    const packets = fecEncode(voiceFrames(60, 30));
    expect(hasInbandFec(packets[lost + 1] as Uint8Array)).toBe(true);
    const withFec = new FecOpusDecoder();
    const withPlc = new FecOpusDecoder();
    const clean = new FecOpusDecoder();
    let fecFrame: Int16Array = new Int16Array(0);
    let plcFrame: Int16Array = new Int16Array(0);
    let cleanFrame: Int16Array = new Int16Array(0);
    for (let i = 0; i < lost + 2; i++) {
      const p = packets[i] as Uint8Array;
      const c = clean.decode(p);
      if (i === lost) {
        cleanFrame = c;
        fecFrame = withFec.decodeFec(packets[i + 1] as Uint8Array);
        plcFrame = withPlc.conceal();
        continue;
      }
      withFec.decode(p);
      withPlc.decode(p);
    }
    expect(fecFrame.length).toBe(OPUS_FRAME_SAMPLES);
    expect(plcFrame.length).toBe(OPUS_FRAME_SAMPLES);
    // Compared with what the decoder gives with no loss at all (same codec delay on both sides).
    const fecSnr = snrDb(cleanFrame, fecFrame);
    const plcSnr = snrDb(cleanFrame, plcFrame);
    expect(fecSnr).toBeGreaterThan(15); // measured 25 dB
    expect(fecSnr).toBeGreaterThan(plcSnr + 6); // concealment: 13 dB
    withFec.close();
    withPlc.close();
    clean.close();
  });

  it('conceals with a full 20 ms frame, and with silence before any packet', () => {
    const d = new FecOpusDecoder();
    expect(d.conceal()).toEqual(new Int16Array(OPUS_FRAME_SAMPLES));
    const packets = new OpusEncoder48k().encode(voiceFrames(1)[0] as Int16Array);
    d.decode(packets);
    expect(d.conceal().length).toBe(OPUS_FRAME_SAMPLES);
    // FEC from a packet without LBRR data falls back to concealment, still 960 samples.
    expect(d.decodeFec(packets).length).toBe(OPUS_FRAME_SAMPLES);
    d.close();
  });

  it('throws on a corrupt packet and keeps decoding afterwards', () => {
    const d = new FecOpusDecoder();
    const enc = new OpusEncoder48k();
    const frames = voiceFrames(3);
    d.decode(enc.encode(frames[0] as Int16Array));
    expect(() => d.decode(Uint8Array.of(0xff, 0xff, 0xff))).toThrow(RangeError);
    expect(d.decode(enc.encode(frames[1] as Int16Array)).length).toBe(OPUS_FRAME_SAMPLES);
    d.close();
  });
});
