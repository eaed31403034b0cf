import { describe, expect, it } from 'vitest';
import { encodeWav } from '../../audio/wav.js';
import { parseWavStreamHeader } from './wav-stream-header.js';

describe('parseWavStreamHeader', () => {
  it('waits for the whole header, then gives rate and data offset', () => {
    const wav = encodeWav(new Int16Array(100), 22_050);
    expect(parseWavStreamHeader(wav.subarray(0, 30))).toBeUndefined();
    expect(parseWavStreamHeader(wav)).toEqual({ sampleRate: 22_050, dataOffset: 44 });
  });

  it('skips chunks before the data and rejects what is not mono 16-bit PCM', () => {
    const wav = encodeWav(new Int16Array(10), 16_000);
    const list = Buffer.from('LIST\x04\x00\x00\x00abcd', 'latin1');
    const withList = Buffer.concat([wav.subarray(0, 36), list, wav.subarray(36)]);
    expect(parseWavStreamHeader(withList)).toEqual({ sampleRate: 16_000, dataOffset: 56 });
    const stereo = Buffer.from(wav);
    stereo.writeUInt16LE(2, 22);
    expect(() => parseWavStreamHeader(stereo)).toThrow(/2 channel/);
    expect(() => parseWavStreamHeader(Buffer.from('not a wav file at all'))).toThrow(/not a RIFF/);
  });
});
