/**
 * Reads the header of a WAV stream that is still being written (espeak-ng --stdout puts a
 * placeholder length in it), so PCM can be used as soon as the bytes after the header arrive.
 */

export interface WavStreamFormat {
  sampleRate: number;
  /** Byte offset where the PCM data starts. */
  dataOffset: number;
}

function fourCc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}

/**
 * Returns the format once the whole header is in `bytes`, undefined while more bytes are needed.
 * Throws on anything but mono 16-bit PCM, which is all Parley asks espeak-ng for.
 */
export function parseWavStreamHeader(bytes: Uint8Array): WavStreamFormat | undefined {
  if (bytes.length < 12) return undefined;
  if (fourCc(bytes, 0) !== 'RIFF' || fourCc(bytes, 8) !== 'WAVE') {
    throw new Error('output is not a RIFF/WAVE stream');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let sampleRate: number | undefined;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = fourCc(bytes, at);
    const size = view.getUint32(at + 4, true);
    if (id === 'data') {
      if (sampleRate === undefined) throw new Error('WAV stream has data before its fmt chunk');
      return { sampleRate, dataOffset: at + 8 };
    }
    if (at + 8 + size > bytes.length) return undefined;
    if (id === 'fmt ') {
      const format = view.getUint16(at + 8, true);
      const channels = view.getUint16(at + 10, true);
      const bits = view.getUint16(at + 22, true);
      if (format !== 1 || channels !== 1 || bits !== 16) {
        throw new Error(
          `WAV stream is format ${format}, ${channels} channel(s), ${bits}-bit; expected mono 16-bit PCM`,
        );
      }
      sampleRate = view.getUint32(at + 12, true);
    }
    at += 8 + size + (size % 2);
  }
  return undefined;
}
