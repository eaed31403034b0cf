import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sine } from './signals.js';
import { encodeWav, encodeWavStereo, readWav, readWavFile, WavFormatError, writeWavFile } from './wav.js';

interface Layout {
  formatTag: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  /** Raw interleaved sample bytes. */
  data: Uint8Array;
  extensibleSubFormat?: number;
}

/** Builds a WAV byte for byte, independently of the writer under test. */
function buildWav(layout: Layout): Uint8Array {
  const extensible = layout.extensibleSubFormat !== undefined;
  const fmtSize = extensible ? 40 : 16;
  const out = Buffer.alloc(12 + 8 + fmtSize + 8 + layout.data.length);
  const blockAlign = (layout.channels * layout.bitsPerSample) / 8;
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(out.length - 8, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(fmtSize, 16);
  out.writeUInt16LE(extensible ? 0xfffe : layout.formatTag, 20);
  out.writeUInt16LE(layout.channels, 22);
  out.writeUInt32LE(layout.sampleRate, 24);
  out.writeUInt32LE(layout.sampleRate * blockAlign, 28);
  out.writeUInt16LE(blockAlign, 32);
  out.writeUInt16LE(layout.bitsPerSample, 34);
  if (extensible) {
    out.writeUInt16LE(22, 36);
    out.writeUInt16LE(layout.bitsPerSample, 38);
    out.writeUInt32LE(layout.channels === 2 ? 3 : 4, 40);
    out.writeUInt16LE(layout.extensibleSubFormat ?? 1, 44);
    // Rest of the KSDATAFORMAT GUID.
    Buffer.from([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]).copy(
      out,
      46,
    );
  }
  const dataAt = 20 + fmtSize;
  out.write('data', dataAt, 'ascii');
  out.writeUInt32LE(layout.data.length, dataAt + 4);
  out.set(layout.data, dataAt + 8);
  return out;
}

const values = [0, 0.5, -0.5, 0.25, -1];

describe('WAV round trip', () => {
  it('16-bit mono survives encode → read unchanged', () => {
    const samples = sine(440, 100, 16_000, 0.8);
    const decoded = readWav(encodeWav(samples, 16_000));
    expect(decoded.sampleRate).toBe(16_000);
    expect(Array.from(decoded.samples)).toEqual(Array.from(samples));
  });

  it('writes and reads a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-wav-'));
    try {
      const samples = sine(1000, 50, 8_000);
      writeWavFile(join(dir, 'tone.wav'), samples, 8_000);
      const decoded = readWavFile(join(dir, 'tone.wav'));
      expect(decoded.sampleRate).toBe(8_000);
      expect(Array.from(decoded.samples)).toEqual(Array.from(samples));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stereo writing keeps both channels and reads back as their average', () => {
    const left = Int16Array.from([1000, 2000, -3000]);
    const right = Int16Array.from([3000, 0]);
    const bytes = encodeWavStereo(left, right, 48_000);
    expect(bytes.readUInt16LE(22)).toBe(2);
    expect(bytes.readInt16LE(44)).toBe(1000);
    expect(bytes.readInt16LE(46)).toBe(3000);
    const decoded = readWav(bytes);
    expect(Array.from(decoded.samples)).toEqual([2000, 1000, -1500]);
  });
});

describe('WAV reading converts other layouts to mono 16-bit', () => {
  it('8-bit unsigned', () => {
    const data = Uint8Array.from([128, 192, 64, 160, 0]);
    const { samples } = readWav(
      buildWav({ formatTag: 1, channels: 1, sampleRate: 8000, bitsPerSample: 8, data }),
    );
    expect(Array.from(samples)).toEqual([0, 16384, -16384, 8192, -32768]);
  });

  it('24-bit signed', () => {
    const data = Buffer.alloc(values.length * 3);
    values.forEach((v, i) => {
      data.writeIntLE(Math.max(-8388608, Math.round(v * 8388608)), i * 3, 3);
    });
    const { samples, sampleRate } = readWav(
      buildWav({ formatTag: 1, channels: 1, sampleRate: 44100, bitsPerSample: 24, data }),
    );
    expect(sampleRate).toBe(44100);
    expect(Array.from(samples)).toEqual([0, 16384, -16384, 8192, -32768]);
  });

  it('32-bit float, clipping values beyond full scale', () => {
    const floats = Float32Array.from([...values, 1.5]);
    const data = new Uint8Array(floats.buffer);
    const { samples } = readWav(
      buildWav({ formatTag: 3, channels: 1, sampleRate: 16000, bitsPerSample: 32, data }),
    );
    expect(Array.from(samples)).toEqual([0, 16384, -16384, 8192, -32768, 32767]);
  });

  it('stereo 16-bit is mixed down to mono', () => {
    const data = new Uint8Array(Int16Array.from([1000, 3000, -2000, -4000]).buffer);
    const { samples } = readWav(
      buildWav({ formatTag: 1, channels: 2, sampleRate: 16000, bitsPerSample: 16, data }),
    );
    expect(Array.from(samples)).toEqual([2000, -3000]);
  });

  it('WAVE_FORMAT_EXTENSIBLE with a PCM and a float sub-format', () => {
    const pcm = new Uint8Array(Int16Array.from([100, -100, 300, 500]).buffer);
    const fromPcm = readWav(
      buildWav({
        formatTag: 1,
        channels: 2,
        sampleRate: 48000,
        bitsPerSample: 16,
        data: pcm,
        extensibleSubFormat: 1,
      }),
    );
    expect(Array.from(fromPcm.samples)).toEqual([0, 400]);
    const floats = new Uint8Array(Float32Array.from([0.5, -0.25]).buffer);
    const fromFloat = readWav(
      buildWav({
        formatTag: 3,
        channels: 1,
        sampleRate: 48000,
        bitsPerSample: 32,
        data: floats,
        extensibleSubFormat: 3,
      }),
    );
    expect(Array.from(fromFloat.samples)).toEqual([16384, -8192]);
  });

  it('reads a 24-bit stereo file written by sox', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-wav-'));
    try {
      const path = join(dir, 'sox.wav');
      execFileSync('sox', [
        '-n',
        '-r',
        '44100',
        '-c',
        '2',
        '-b',
        '24',
        path,
        'synth',
        '0.25',
        'sine',
        '1000',
        'vol',
        '0.5',
      ]);
      const { samples, sampleRate } = readWavFile(path);
      expect(sampleRate).toBe(44100);
      expect(samples.length).toBe(Math.round(0.25 * 44100));
      const peakValue = samples.reduce((max, s) => Math.max(max, Math.abs(s)), 0);
      expect(peakValue / 32768).toBeGreaterThan(0.45);
      expect(peakValue / 32768).toBeLessThan(0.55);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('WAV bad input gives a WavFormatError naming the problem', () => {
  const good = encodeWav(sine(440, 100, 16000), 16000);

  it('zero-length file', () => {
    expect(() => readWav(new Uint8Array(0))).toThrow(WavFormatError);
    expect(() => readWav(new Uint8Array(0))).toThrow(/empty/);
  });

  it('a WAV whose data chunk holds no samples', () => {
    expect(() => readWav(encodeWav(new Int16Array(0), 16000))).toThrow(/no audio/);
  });

  it('truncated data chunk', () => {
    expect(() => readWav(good.subarray(0, good.length - 100))).toThrow(/truncated/);
  });

  it('truncated inside the header', () => {
    expect(() => readWav(good.subarray(0, 30))).toThrow(WavFormatError);
  });

  it('a file that is not WAV at all', () => {
    const text = new TextEncoder().encode('ID3\u0004 this is an mp3 file, honestly');
    expect(() => readWav(text)).toThrow(/not a WAV file/);
  });

  it('RIFF that is not WAVE', () => {
    const avi = Buffer.from(good);
    avi.write('AVI ', 8, 'ascii');
    expect(() => readWav(avi)).toThrow(/"AVI "/);
  });

  it('compressed encodings are named', () => {
    const adpcm = buildWav({
      formatTag: 2,
      channels: 1,
      sampleRate: 8000,
      bitsPerSample: 4,
      data: new Uint8Array(8),
    });
    expect(() => readWav(adpcm)).toThrow(/ADPCM/);
    const alaw = buildWav({
      formatTag: 6,
      channels: 1,
      sampleRate: 8000,
      bitsPerSample: 8,
      data: new Uint8Array(8),
    });
    expect(() => readWav(alaw)).toThrow(/A-law/);
  });

  it('unsupported PCM sample size', () => {
    const twelve = buildWav({
      formatTag: 1,
      channels: 1,
      sampleRate: 8000,
      bitsPerSample: 12,
      data: new Uint8Array(8),
    });
    expect(() => readWav(twelve)).toThrow(/12 bits/);
  });
});
