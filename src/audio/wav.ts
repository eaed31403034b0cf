/**
 * WAV (RIFF/WAVE) reading and writing. Reading accepts the PCM layouts people actually hand us
 * (8/16/24/32-bit integer, 32/64-bit float, any channel count, WAVE_FORMAT_EXTENSIBLE) and always
 * returns mono 16-bit; writing produces plain 16-bit PCM.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { clampInt16 } from './pcm.js';

/** The input is not a WAV file Parley can read; the message names the problem. */
export class WavFormatError extends Error {
  constructor(message: string) {
    super(`WAV: ${message}`);
    this.name = 'WavFormatError';
  }
}

export interface DecodedWav {
  /** Mono 16-bit PCM (channels averaged). */
  samples: Int16Array;
  sampleRate: number;
}

const FORMAT_PCM = 0x0001;
const FORMAT_IEEE_FLOAT = 0x0003;
const FORMAT_ALAW = 0x0006;
const FORMAT_MULAW = 0x0007;
const FORMAT_EXTENSIBLE = 0xfffe;
/** Streaming writers put this in the data size when the length is unknown: read to end of file. */
const UNKNOWN_SIZE = 0xffffffff;

interface WavFormat {
  encoding: 'pcm' | 'float';
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  blockAlign: number;
}

function formatName(tag: number): string {
  if (tag === FORMAT_ALAW) return 'A-law (format 6)';
  if (tag === FORMAT_MULAW) return 'mu-law (format 7)';
  if (tag === 0x0002) return 'Microsoft ADPCM (format 2)';
  if (tag === 0x0011) return 'IMA ADPCM (format 0x11)';
  if (tag === 0x0055) return 'MP3 (format 0x55)';
  return `format tag 0x${tag.toString(16).padStart(4, '0')}`;
}

function parseFormat(view: DataView, offset: number, size: number): WavFormat {
  if (size < 16) throw new WavFormatError(`fmt chunk is ${size} bytes, expected at least 16`);
  let tag = view.getUint16(offset, true);
  const channels = view.getUint16(offset + 2, true);
  const sampleRate = view.getUint32(offset + 4, true);
  const blockAlign = view.getUint16(offset + 12, true);
  const bitsPerSample = view.getUint16(offset + 14, true);
  if (tag === FORMAT_EXTENSIBLE) {
    // cbSize(2) validBits(2) channelMask(4) then the sub-format GUID whose first 2 bytes are the tag.
    if (size < 40) throw new WavFormatError(`WAVE_FORMAT_EXTENSIBLE fmt chunk is ${size} bytes, expected 40`);
    tag = view.getUint16(offset + 24, true);
  }
  let encoding: WavFormat['encoding'];
  if (tag === FORMAT_PCM) {
    if (![8, 16, 24, 32].includes(bitsPerSample)) {
      throw new WavFormatError(
        `unsupported PCM sample size ${bitsPerSample} bits (supported: 8, 16, 24, 32)`,
      );
    }
    encoding = 'pcm';
  } else if (tag === FORMAT_IEEE_FLOAT) {
    if (bitsPerSample !== 32 && bitsPerSample !== 64) {
      throw new WavFormatError(`unsupported float sample size ${bitsPerSample} bits (supported: 32, 64)`);
    }
    encoding = 'float';
  } else {
    throw new WavFormatError(
      `unsupported encoding ${formatName(tag)}; supported: PCM integer and IEEE float`,
    );
  }
  if (channels < 1) throw new WavFormatError('fmt chunk declares 0 channels');
  if (sampleRate < 1) throw new WavFormatError('fmt chunk declares a sample rate of 0');
  const expectedAlign = channels * (bitsPerSample / 8);
  if (blockAlign !== expectedAlign) {
    throw new WavFormatError(
      `block align ${blockAlign} does not match ${channels} channel(s) × ${bitsPerSample} bits`,
    );
  }
  return { encoding, channels, sampleRate, bitsPerSample, blockAlign };
}

/** One sample as a float in [-1, 1). */
function sampleReader(format: WavFormat, view: DataView): (at: number) => number {
  if (format.encoding === 'float') {
    return format.bitsPerSample === 32
      ? (at) => view.getFloat32(at, true)
      : (at) => view.getFloat64(at, true);
  }
  switch (format.bitsPerSample) {
    case 8:
      return (at) => (view.getUint8(at) - 128) / 128; // 8-bit WAV is unsigned
    case 16:
      return (at) => view.getInt16(at, true) / 32768;
    case 24:
      return (at) => {
        const low = view.getUint16(at, true);
        const high = view.getInt8(at + 2);
        return (high * 65536 + low) / 8388608;
      };
    default:
      return (at) => view.getInt32(at, true) / 2147483648;
  }
}

function toInt16(value: number): number {
  return clampInt16(value * 32768);
}

function decodeSamples(format: WavFormat, view: DataView, offset: number, bytes: number): Int16Array {
  const frames = Math.floor(bytes / format.blockAlign);
  const out = new Int16Array(frames);
  if (format.encoding === 'pcm' && format.bitsPerSample === 16 && format.channels === 1) {
    for (let i = 0; i < frames; i++) out[i] = view.getInt16(offset + i * 2, true);
    return out;
  }
  const read = sampleReader(format, view);
  const bytesPerSample = format.bitsPerSample / 8;
  for (let i = 0; i < frames; i++) {
    const base = offset + i * format.blockAlign;
    let sum = 0;
    for (let c = 0; c < format.channels; c++) sum += read(base + c * bytesPerSample);
    out[i] = toInt16(sum / format.channels);
  }
  return out;
}

/** Parses a WAV file held in memory into mono 16-bit samples. Throws `WavFormatError`. */
export function readWav(data: Uint8Array): DecodedWav {
  if (data.length === 0) throw new WavFormatError('the file is empty (zero bytes)');
  if (data.length < 12)
    throw new WavFormatError(`the file is only ${data.length} bytes, too short for a RIFF header`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const tag = (at: number) => String.fromCharCode(data[at]!, data[at + 1]!, data[at + 2]!, data[at + 3]!);
  if (tag(0) !== 'RIFF') {
    const hint = tag(0) === 'RIFX' ? ' (big-endian RIFX is not supported)' : '';
    throw new WavFormatError(`not a WAV file: it does not start with "RIFF"${hint}`);
  }
  if (tag(8) !== 'WAVE')
    throw new WavFormatError(`not a WAV file: RIFF type is "${tag(8)}", expected "WAVE"`);

  let format: WavFormat | undefined;
  let offset = 12;
  while (offset + 8 <= data.length) {
    const id = tag(offset);
    const declared = view.getUint32(offset + 4, true);
    const body = offset + 8;
    const available = data.length - body;
    if (id === 'fmt ') {
      if (declared > available)
        throw new WavFormatError('truncated: the fmt chunk runs past the end of the file');
      format = parseFormat(view, body, declared);
    } else if (id === 'data') {
      if (!format) throw new WavFormatError('the data chunk comes before any fmt chunk');
      const size = declared === UNKNOWN_SIZE ? available : declared;
      if (size > available) {
        throw new WavFormatError(
          `truncated: the data chunk declares ${size} bytes but only ${available} are present`,
        );
      }
      const samples = decodeSamples(format, view, body, size);
      if (samples.length === 0) throw new WavFormatError('the data chunk holds no audio (zero samples)');
      return { samples, sampleRate: format.sampleRate };
    }
    offset = body + declared + (declared % 2); // chunks are word-aligned
  }
  if (!format) throw new WavFormatError('no fmt chunk found (truncated or not a WAV file)');
  throw new WavFormatError('no data chunk found (truncated file?)');
}

export function readWavFile(path: string): DecodedWav {
  return readWav(readFileSync(path));
}

function wavHeader(dataBytes: number, channels: number, sampleRate: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(FORMAT_PCM, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

function checkRate(sampleRate: number): void {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) {
    throw new RangeError(`WAV: sample rate must be a positive integer, got ${sampleRate}`);
  }
}

/** A mono 16-bit PCM WAV file. */
export function encodeWav(samples: Int16Array, sampleRate: number): Buffer {
  checkRate(sampleRate);
  const out = Buffer.alloc(44 + samples.length * 2);
  wavHeader(samples.length * 2, 1, sampleRate).copy(out, 0);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i]!, 44 + i * 2);
  return out;
}

/** A stereo 16-bit PCM WAV file; the shorter channel is padded with silence. */
export function encodeWavStereo(left: Int16Array, right: Int16Array, sampleRate: number): Buffer {
  checkRate(sampleRate);
  const frames = Math.max(left.length, right.length);
  const out = Buffer.alloc(44 + frames * 4);
  wavHeader(frames * 4, 2, sampleRate).copy(out, 0);
  for (let i = 0; i < frames; i++) {
    out.writeInt16LE(left[i] ?? 0, 44 + i * 4);
    out.writeInt16LE(right[i] ?? 0, 46 + i * 4);
  }
  return out;
}

export function writeWavFile(path: string, samples: Int16Array, sampleRate: number): void {
  writeFileSync(path, encodeWav(samples, sampleRate));
}
