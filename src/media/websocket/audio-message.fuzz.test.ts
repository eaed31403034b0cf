/** Property-based tests of binary WebSocket audio frames (16-bit little-endian PCM). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams } from '../../testing/fuzz.js';
import { encodeAudioMessage, MAX_AUDIO_MESSAGE_BYTES, parseAudioMessage } from './audio-message.js';

/** A frame that sits anywhere inside a larger buffer, as ws hands out slices of its receive buffer. */
const frame = fc
  .tuple(
    fc.oneof(
      fc.uint8Array({ maxLength: 2048 }),
      fc
        .integer({ min: MAX_AUDIO_MESSAGE_BYTES - 4, max: MAX_AUDIO_MESSAGE_BYTES + 4 })
        .map((n) => new Uint8Array(n)),
    ),
    fc.nat(7),
  )
  .map(([bytes, offset]) => {
    const backing = new Uint8Array(bytes.byteLength + offset + 3);
    backing.set(bytes, offset);
    return backing.subarray(offset, offset + bytes.byteLength);
  });

describe('audio frames, fuzzed', () => {
  it('any bytes give samples or a documented error; accepted samples round-trip exactly', () => {
    fc.assert(
      fc.property(frame, (bytes) => {
        const parsed = parseAudioMessage(bytes);
        const acceptable = bytes.byteLength % 2 === 0 && bytes.byteLength <= MAX_AUDIO_MESSAGE_BYTES;
        expect(parsed.ok).toBe(acceptable);
        if (parsed.ok) {
          expect(parsed.samples.length).toBe(bytes.byteLength / 2);
          expect(Buffer.compare(encodeAudioMessage(parsed.samples), bytes)).toBe(0);
        } else {
          expect(['audio_odd_length', 'audio_too_large']).toContain(parsed.code);
        }
      }),
      fuzzParams(300),
    );
  });
});
