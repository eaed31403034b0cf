/**
 * Recorded callers made to order: flite speaks the caller's lines with pauses between them, so
 * tests and benchmarks can call the agent with known words and timing.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SESSION_SAMPLE_RATE } from '../audio/frame.js';
import { resample } from '../audio/resampler.js';
import { concat, silence } from '../audio/signals.js';
import { readWavFile } from '../audio/wav.js';

/** A caller line, or a pause in ms. */
export type CallerPart = string | { pauseMs: number };

/** flite's built-in voices a caller can have (the agent's default is slt). */
export type CallerVoice = 'rms' | 'slt' | 'awb' | 'kal16' | 'kal';

export interface CallerScript {
  voice: CallerVoice;
  parts: CallerPart[];
}

export interface CallerAudio {
  samples: Int16Array;
  /**
   * Where each spoken line starts and ends in the audio, in ms; `speechEndMs` is where its
   * voice really stops (flite pads lines with silence): the ground truth for TTFA.
   */
  lines: { text: string; startMs: number; endMs: number; speechEndMs: number }[];
}

const run = promisify(execFile);

/** Above this peak a 10 ms window counts as voiced (about −36 dBFS). */
const VOICED_PEAK = 500;

/** End of the last voiced 10 ms window, in ms. */
function lastVoicedMs(samples: Int16Array): number {
  const window = SESSION_SAMPLE_RATE / 100;
  for (let end = samples.length; end > 0; end -= window) {
    for (let i = Math.max(0, end - window); i < end; i++) {
      if (Math.abs(samples[i] as number) > VOICED_PEAK) return (end * 1000) / SESSION_SAMPLE_RATE;
    }
  }
  return 0;
}

/**
 * Ends of the voiced stretches of `samples` (followed by at least `minGapMs` of silence), in ms:
 * where a listener would say the caller stopped talking.
 */
export function voicedStretchEnds(samples: Int16Array, minGapMs = 250): number[] {
  const window = SESSION_SAMPLE_RATE / 100;
  const ends: number[] = [];
  let lastVoicedEndMs: number | undefined;
  for (let start = 0; start < samples.length; start += window) {
    let voiced = false;
    for (let i = start; i < Math.min(samples.length, start + window); i++) {
      if (Math.abs(samples[i] as number) > VOICED_PEAK) {
        voiced = true;
        break;
      }
    }
    const startMs = (start * 1000) / SESSION_SAMPLE_RATE;
    if (voiced) {
      if (lastVoicedEndMs !== undefined && startMs - lastVoicedEndMs >= minGapMs) ends.push(lastVoicedEndMs);
      lastVoicedEndMs = startMs + 10;
    }
  }
  if (lastVoicedEndMs !== undefined) ends.push(lastVoicedEndMs);
  return ends;
}

/** Speaks the script with the flite program; 16 kHz mono. */
export async function composeCaller(script: CallerScript): Promise<CallerAudio> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-caller-'));
  try {
    const pieces: Int16Array[] = [];
    const lines: CallerAudio['lines'] = [];
    let lengthMs = 0;
    for (const [i, part] of script.parts.entries()) {
      let samples: Int16Array;
      if (typeof part === 'string') {
        const path = join(dir, `${i}.wav`);
        await run('flite', ['-voice', script.voice, '-t', part, '-o', path], { timeout: 30_000 });
        const wav = readWavFile(path);
        samples =
          wav.sampleRate === SESSION_SAMPLE_RATE
            ? wav.samples
            : resample(wav.samples, wav.sampleRate, SESSION_SAMPLE_RATE);
        const durationMs = (samples.length * 1000) / SESSION_SAMPLE_RATE;
        lines.push({
          text: part,
          startMs: lengthMs,
          endMs: lengthMs + durationMs,
          speechEndMs: lengthMs + lastVoicedMs(samples),
        });
      } else {
        samples = silence(part.pauseMs, SESSION_SAMPLE_RATE);
      }
      pieces.push(samples);
      lengthMs += (samples.length * 1000) / SESSION_SAMPLE_RATE;
    }
    return { samples: concat(...pieces), lines };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
