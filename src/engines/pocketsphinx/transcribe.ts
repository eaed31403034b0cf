/** Whole-signal transcription on a PocketsphinxRecognizer, fed at the speed of decoding. */
import { FRAME_MS, SESSION_SAMPLE_RATE } from '../../audio/frame.js';
import { splitFrames } from '../../audio/signals.js';
import { EngineError } from '../types.js';
import type { PocketsphinxSessionRecognizer } from './recognizer.js';

export interface TranscriptionResult {
  text: string;
  /** Each distinct partial hypothesis, stamped with the ms of audio decoded when it appeared. */
  partials: { text: string; atMs: number }[];
  /** Ms from the end of the audio (finish()) to the final transcript. */
  finalLatencyMs: number;
  /** Wall time of the whole transcription, ms. */
  elapsedMs: number;
  audioMs: number;
}

export interface TranscribeOptions {
  /** Called as each partial arrives (e.g. to print it). */
  onPartial?: (partial: { text: string; atMs: number }) => void;
  /** Audio pushed before waiting for the decoder to catch up. Default 100 ms. */
  stepMs?: number;
}

/** Transcribes 16 kHz mono samples as one utterance (on a recognizer or one session's view of it). */
export async function transcribeSamples(
  recognizer: PocketsphinxSessionRecognizer,
  samples: Int16Array,
  opts: TranscribeOptions = {},
): Promise<TranscriptionResult> {
  if (samples.length === 0) throw new EngineError('pocketsphinx', 'the audio is empty');
  const started = performance.now();
  const recognition = recognizer.open();
  const partials: { text: string; atMs: number }[] = [];
  const collecting = (async () => {
    for await (const p of recognition.partials()) {
      const partial = { text: p.text, atMs: Math.round(p.audioMs) };
      partials.push(partial);
      opts.onPartial?.(partial);
    }
  })();
  try {
    const framesPerStep = Math.max(1, Math.round((opts.stepMs ?? 100) / FRAME_MS));
    const frames = splitFrames(samples, SESSION_SAMPLE_RATE, FRAME_MS);
    for (let i = 0; i < frames.length; i++) {
      recognition.push(frames[i]!);
      if ((i + 1) % framesPerStep === 0) await recognition.decoded();
    }
    const final = await recognition.finish();
    await collecting;
    return {
      text: final.text,
      partials,
      finalLatencyMs: final.latencyMs ?? 0,
      elapsedMs: performance.now() - started,
      audioMs: (samples.length * 1000) / SESSION_SAMPLE_RATE,
    };
  } finally {
    recognition.close();
  }
}
