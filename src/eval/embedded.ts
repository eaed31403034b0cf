/**
 * The eval wired to the embedded offline stack: sessions from the embedded runtime, the package
 * tracker with a fresh order database per call, and caller voices from Parley's own TTS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPackageTrackerAgent } from '../apps/package-tracker/index.js';
import { createSynthesizer, type VoiceName } from '../engines/tts.js';
import { createEmbeddedRuntime } from '../runtime/embedded.js';
import { openDatabase } from '../store/database.js';
import { TtsCallerSpeech } from './caller-audio.js';
import type { AgentLease, RunSuiteOptions } from './runner.js';

export interface EmbeddedEvalOptions {
  /** Runtime data (domain language model cache). Default '.parley'. */
  dataDir?: string;
  /** The agent's voice. Default: the runtime's default. */
  voice?: VoiceName;
  lm?: 'domain' | 'generic';
}

export interface EmbeddedEval extends Pick<RunSuiteOptions, 'sessions' | 'agent' | 'speech'> {
  close(): Promise<void>;
}

export async function openEmbeddedEval(opts: EmbeddedEvalOptions = {}): Promise<EmbeddedEval> {
  const runtime = await createEmbeddedRuntime({
    dataDir: opts.dataDir ?? '.parley',
    ...(opts.voice ? { voice: opts.voice } : {}),
    ...(opts.lm ? { lm: opts.lm } : {}),
  });
  const speech = new TtsCallerSpeech((voice, { rate }) => createSynthesizer(voice, { rate }));
  const scratch = mkdtempSync(join(tmpdir(), 'parley-eval-'));
  const agent = (callId: string): AgentLease => {
    const path = join(scratch, `${callId}.db`);
    const db = openDatabase(path);
    return {
      agent: createPackageTrackerAgent({ db }),
      release() {
        db.close();
        rmSync(path, { force: true });
        rmSync(`${path}-wal`, { force: true });
        rmSync(`${path}-shm`, { force: true });
      },
    };
  };
  // Build and load the recognizer's language model now, not inside the first call's TTFA.
  const warmup = agent('warmup');
  try {
    await runtime.prepare?.(warmup.agent);
  } finally {
    warmup.release();
  }
  return {
    sessions: runtime,
    agent,
    speech,
    async close() {
      await speech.close();
      await runtime.close();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
