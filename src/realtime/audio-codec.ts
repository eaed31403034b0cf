/**
 * The Realtime API's audio formats against the session's 16 kHz PCM: `audio/pcm` (pcm16, 24 kHz,
 * little-endian) and `audio/pcmu` (G.711 μ-law, 8 kHz), both carried as base64.
 * Formats as documented at https://platform.openai.com/docs/api-reference/realtime-client-events/session/update
 * (`session.audio.input.format` / `session.audio.output.format`; the beta names `pcm16` and
 * `g711_ulaw` are accepted too).
 */
import { SESSION_SAMPLE_RATE } from '../audio/frame.js';
import { mulawDecode, mulawEncode } from '../audio/mulaw.js';
import { NarrowbandFloor } from '../audio/narrowband.js';
import { StreamingResampler } from '../audio/resampler.js';

export type RealtimeAudioFormat = 'pcm16' | 'g711_ulaw';

export const FORMAT_RATE: Record<RealtimeAudioFormat, number> = { pcm16: 24_000, g711_ulaw: 8_000 };

/** The GA description of a format, as session events report it. */
export function describeFormat(format: RealtimeAudioFormat): { type: string; rate?: number } {
  return format === 'pcm16' ? { type: 'audio/pcm', rate: 24_000 } : { type: 'audio/pcmu' };
}

/**
 * A format named by a client: GA objects (`{type: 'audio/pcm', rate: 24000}`, `{type: 'audio/pcmu'}`)
 * or beta strings. Returns an error message for anything else.
 */
export function parseFormat(value: unknown): RealtimeAudioFormat | { error: string } {
  if (value === 'pcm16') return 'pcm16';
  if (value === 'g711_ulaw') return 'g711_ulaw';
  if (typeof value === 'object' && value !== null) {
    const { type, rate } = value as { type?: unknown; rate?: unknown };
    if (type === 'audio/pcm' && (rate === undefined || rate === 24_000)) return 'pcm16';
    if (type === 'audio/pcmu') return 'g711_ulaw';
    if (type === 'audio/pcm')
      return { error: `audio/pcm is supported at 24000 Hz only, not ${String(rate)}` };
  }
  return {
    error: `unsupported audio format ${JSON.stringify(value)}; use {"type":"audio/pcm","rate":24000} or {"type":"audio/pcmu"}`,
  };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes one `input_audio_buffer.append` payload into 16 kHz samples (streaming, so chunks join cleanly). */
export class InputDecoder {
  private resampler: StreamingResampler;
  /** μ-law is phone audio: the band above 4 kHz gets a floor the 16 kHz models expect. */
  private readonly floor = new NarrowbandFloor();

  constructor(readonly format: RealtimeAudioFormat) {
    this.resampler = new StreamingResampler(FORMAT_RATE[format], SESSION_SAMPLE_RATE);
  }

  decode(base64: string): Int16Array | { error: string } {
    if (base64.length % 4 !== 0 || !BASE64.test(base64)) return { error: 'audio is not valid base64' };
    const bytes = Buffer.from(base64, 'base64');
    let samples: Int16Array;
    if (this.format === 'pcm16') {
      if (bytes.length % 2 !== 0) return { error: 'pcm16 audio must have an even number of bytes' };
      samples = new Int16Array(bytes.length / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2);
    } else {
      samples = mulawDecode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
    }
    const wide = this.resampler.process(samples);
    return this.format === 'g711_ulaw' ? this.floor.process(wide) : wide;
  }

  reset(): void {
    this.resampler.reset();
  }
}

/** Encodes 16 kHz agent frames as base64 in the output format. */
export class OutputEncoder {
  private readonly resampler: StreamingResampler;

  constructor(readonly format: RealtimeAudioFormat) {
    this.resampler = new StreamingResampler(SESSION_SAMPLE_RATE, FORMAT_RATE[format]);
  }

  encode(samples: Int16Array): string {
    const converted = this.resampler.process(samples);
    if (this.format === 'g711_ulaw') return Buffer.from(mulawEncode(converted)).toString('base64');
    const bytes = Buffer.alloc(converted.length * 2);
    for (let i = 0; i < converted.length; i++) bytes.writeInt16LE(converted[i] as number, i * 2);
    return bytes.toString('base64');
  }
}
