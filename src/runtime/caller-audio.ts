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
  /** Where each spoken line starts and ends in the audio, in ms. */
  lines: { text: string; startMs: number; endMs: number }[];
}

const run = promisify(execFile);

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
        lines.push({ text: part, startMs: lengthMs, endMs: lengthMs + durationMs });
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
