import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { toneLevelDbfs, zeroCrossingFrequency } from './analysis.js';
import { OPUS_FRAME_SAMPLES, OpusDecoder48k, OpusEncoder48k, opusBackend } from './opus.js';
import { concat, sine } from './signals.js';

function roundTrip(signal: Int16Array): Int16Array {
  const encoder = new OpusEncoder48k();
  const decoder = new OpusDecoder48k();
  const out: Int16Array[] = [];
  for (let offset = 0; offset + OPUS_FRAME_SAMPLES <= signal.length; offset += OPUS_FRAME_SAMPLES) {
    const packet = encoder.encode(signal.subarray(offset, offset + OPUS_FRAME_SAMPLES));
    expect(packet.length).toBeGreaterThan(0);
    out.push(decoder.decode(packet));
  }
  return concat(...out);
}

describe('Opus 48 kHz / 20 ms', () => {
  it('round trip preserves a tone: frequency and level within 2 dB (codec delay skipped)', () => {
    const tone = sine(440, 1000, 48_000, 0.4);
    const decoded = roundTrip(tone);
    expect(decoded.length).toBe(tone.length);
    // Skip the first 100 ms: codec delay and encoder start-up.
    const steady = decoded.subarray(4800, decoded.length - 960);
    expect(zeroCrossingFrequency(steady, 48_000)).toBeGreaterThan(435);
    expect(zeroCrossingFrequency(steady, 48_000)).toBeLessThan(445);
    expect(Math.abs(toneLevelDbfs(steady, 440, 48_000) - toneLevelDbfs(tone, 440, 48_000))).toBeLessThan(2);
  });

  it('packets are compressed (32 kb/s ≈ 80 bytes per 20 ms)', () => {
    const encoder = new OpusEncoder48k();
    const tone = sine(300, 200, 48_000, 0.4);
    let bytes = 0;
    for (let offset = 0; offset < tone.length; offset += OPUS_FRAME_SAMPLES) {
      bytes += encoder.encode(tone.subarray(offset, offset + OPUS_FRAME_SAMPLES)).length;
    }
    expect(bytes / 10).toBeLessThan(200);
  });

  it('conceal() gives exactly one 20 ms frame of decoder concealment, and decoding continues after a loss', () => {
    const encoder = new OpusEncoder48k();
    const decoder = new OpusDecoder48k();
    const tone = sine(440, 800, 48_000, 0.4);
    const packets: Uint8Array[] = [];
    for (let offset = 0; offset < tone.length; offset += OPUS_FRAME_SAMPLES) {
      packets.push(encoder.encode(tone.subarray(offset, offset + OPUS_FRAME_SAMPLES)));
    }
    const played: Int16Array[] = [];
    packets.forEach((packet, index) => {
      played.push(index === 10 || index === 11 ? decoder.conceal() : decoder.decode(packet));
    });
    for (const frame of played) expect(frame.length).toBe(OPUS_FRAME_SAMPLES);
    const level = (frame: Int16Array) => toneLevelDbfs(frame, 440, 48_000);
    const before = concat(...played.slice(2, 10));
    // The decoder's concealment continues the tone at its pitch, then fades while the loss lasts.
    expect(Math.abs(level(played[10]!) - level(before))).toBeLessThan(3);
    expect(zeroCrossingFrequency(played[10]!, 48_000)).toBeGreaterThan(420);
    expect(zeroCrossingFrequency(played[10]!, 48_000)).toBeLessThan(460);
    expect(level(played[11]!)).toBeLessThan(level(played[10]!));
    expect(level(played[11]!)).toBeGreaterThan(level(before) - 20);
    // The decoder resynchronises within a few hundred ms of the loss.
    const after = concat(...played.slice(26));
    expect(Math.abs(level(after) - level(before))).toBeLessThan(1.5);
  });

  it('conceal() before any packet gives a silent 20 ms frame', () => {
    const frame = new OpusDecoder48k().conceal();
    expect(frame.length).toBe(OPUS_FRAME_SAMPLES);
    expect(frame.every((sample) => sample === 0)).toBe(true);
  });

  it('rejects frames of the wrong size and garbage packets with clear errors', () => {
    expect(() => new OpusEncoder48k().encode(new Int16Array(480))).toThrow(/960 samples/);
    expect(() => new OpusDecoder48k().decode(new Uint8Array(0))).toThrow(/conceal/);
    expect(() => new OpusDecoder48k().decode(Uint8Array.from([0xff, 0xff, 0xff]))).toThrow(/cannot decode/);
  });

  it('works with the WebAssembly build too (OPUS_FORCE_WASM)', () => {
    const script = `
      const { OpusEncoder48k, OpusDecoder48k, opusBackend } = await import('./src/audio/opus.ts');
      const { sine } = await import('./src/audio/signals.ts');
      const e = new OpusEncoder48k(); const d = new OpusDecoder48k();
      const tone = sine(440, 100, 48000, 0.4);
      let n = 0; for (let o = 0; o < tone.length; o += 960) n += d.decode(e.encode(tone.subarray(o, o + 960))).length;
      console.log(JSON.stringify({ backend: opusBackend(), decoded: n, concealed: d.conceal().length, audible: d.conceal().some((x) => x !== 0) }));`;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, OPUS_FORCE_WASM: '1' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout.trim())).toEqual({
      backend: 'wasm',
      decoded: 4800,
      concealed: 960,
      audible: true,
    });
  });

  it('reports which build is in use', () => {
    expect(['native', 'wasm']).toContain(opusBackend());
  });
});
