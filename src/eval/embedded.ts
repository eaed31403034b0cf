/**
 * The eval wired to a configured runtime (the embedded offline stack by default): sessions from
 * the runtime, the agent built afresh for every call in a scratch folder, and caller voices
 * from Parley's own TTS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SystemClock } from '../clock.js';
import { createEngine } from '../engines/catalog.js';
import type { Agent } from '../index.js';
import { createConfiguredRuntime, resolveRuntimeConfig, type RuntimeConfig } from '../runtime/config.js';
import { TtsCallerSpeech } from './caller-audio.js';
import type { AgentLease, RunSuiteOptions } from './runner.js';

export interface EvalEngines extends Pick<RunSuiteOptions, 'sessions' | 'agent' | 'speech'> {
  close(): Promise<void>;
}

export interface OpenEvalOptions {
  /** The agent under test (`parley eval --agent` loads it; eval never reaches into apps/). */
  agent: Agent;
  /** Runtime configuration. Default: flags none, environment as set. */
  config?: RuntimeConfig;
}

export async function openEval(opts: OpenEvalOptions): Promise<EvalEngines> {
  const config = opts.config ?? resolveRuntimeConfig({});
  const subject = opts.agent;
  const runtime = await createConfiguredRuntime(config);
  // Callers speak with the embedded voices (slt, rms, awb, kal16, espeak), whatever the agent uses.
  const speech = new TtsCallerSpeech(async (voice, { rate }) => {
    const voices = await createEngine('tts', 'embedded', {
      dataDir: config.dataDir,
      lm: config.lm,
      speakingRate: rate,
      voice,
      env: {},
    });
    return voices.synthesizer(voice, { sessionId: 'caller', clock: new SystemClock() });
  });
  const scratch = mkdtempSync(join(tmpdir(), 'parley-eval-'));
  const agent = async (callId: string): Promise<AgentLease> => {
    const dataDir = join(scratch, callId);
    const built = await subject.create({ dataDir, ephemeral: true });
    return {
      agent: built,
      async release() {
        await built.close?.();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  };
  // Build and load the recognizer's language model now, not inside the first call's TTFA.
  const warmup = await agent('warmup');
  try {
    await runtime.prepare?.(warmup.agent);
  } finally {
    await warmup.release();
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
