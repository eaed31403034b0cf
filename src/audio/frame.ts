/** The unit of audio everywhere in Parley: mono 16-bit PCM stamped with its media time. */
export interface AudioFrame {
  readonly samples: Int16Array;
  readonly sampleRate: number;
  /** Start of the first sample on the session timeline, in ms. */
  readonly startMs: number;
}

/** The rate the conversation works at: VAD, recognizer and playout all see 16 kHz frames. */
export const SESSION_SAMPLE_RATE = 16_000;
/** Transport frame length; 20 ms is what Opus, RTP and most telephony use. */
export const FRAME_MS = 20;

export function makeFrame(samples: Int16Array, sampleRate: number, startMs: number): AudioFrame {
  return { samples, sampleRate, startMs };
}

export function frameDurationMs(frame: AudioFrame): number {
  return (frame.samples.length * 1000) / frame.sampleRate;
}

export function frameEndMs(frame: AudioFrame): number {
  return frame.startMs + frameDurationMs(frame);
}

export function samplesForMs(ms: number, sampleRate: number): number {
  return Math.round((ms * sampleRate) / 1000);
}
