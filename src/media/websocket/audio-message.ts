/** Validation of binary WebSocket audio: 16-bit little-endian PCM, 16 kHz mono. */

/** Largest binary message accepted (about 2 s of audio); larger ones are refused, the socket kept. */
export const MAX_AUDIO_MESSAGE_BYTES = 64 * 1024;

export type ParsedAudio = { ok: true; samples: Int16Array } | { ok: false; code: string; message: string };

export function parseAudioMessage(data: Uint8Array): ParsedAudio {
  if (data.byteLength > MAX_AUDIO_MESSAGE_BYTES) {
    return {
      ok: false,
      code: 'audio_too_large',
      message: `binary audio messages are at most ${MAX_AUDIO_MESSAGE_BYTES} bytes (got ${data.byteLength}); send 20 ms frames of 640 bytes`,
    };
  }
  if (data.byteLength % 2 !== 0) {
    return {
      ok: false,
      code: 'audio_odd_length',
      message: `binary audio must be whole 16-bit samples (got ${data.byteLength} bytes)`,
    };
  }
  const samples = new Int16Array(data.byteLength / 2);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true);
  return { ok: true, samples };
}

export function encodeAudioMessage(samples: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i] as number, i * 2);
  return out;
}
