/**
 * The embedded speech stack shared by every configuration of the bench: VAD, recognizer and
 * voices load once (a runtime given engine objects does not close them), each brain engine gets
 * its own runtime, and every call of every configuration goes through one pool of workers, so
 * the machine carries the same number of calls throughout and no configuration runs on a
 * quieter machine than another.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import packageTracker from '../../src/apps/package-tracker/agent.js';
import { SystemClock } from '../../src/clock.js';
import { createEngine } from '../../src/engines/catalog.js';
import type { BrainEngine, EngineSettings } from '../../src/engines/engine.js';
import { prepareCallerAudio, TtsCallerSpeech } from '../../src/eval/caller-audio.js';
import { type AgentLease, type CallResult, type PipelineMode, runSuite } from '../../src/eval/runner.js';
import type { Scenario } from '../../src/eval/scenario.js';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';

/** One call: a scenario in one pipeline with one brain engine, counted under `config`. */
export interface CallJob {
  config: string;
  brain: BrainEngine;
  scenario: Scenario;
  mode: PipelineMode;
}

export interface BenchStack {
  /** Runs every job as a real call, `concurrency` at once, in the order given; results by config. */
  run(jobs: CallJob[], onDone?: (done: number, total: number) => void): Promise<Map<string, CallResult[]>>;
  close(): Promise<void>;
}

export async function openStack(opts: { concurrency: number }): Promise<BenchStack> {
  const settings: EngineSettings = { dataDir: '.parley', lm: 'domain', speakingRate: 1, env: {} };
  const [vad, stt, tts] = await Promise.all([
    createEngine('vad', 'silero', settings),
    createEngine('stt', 'embedded', settings),
    createEngine('tts', 'embedded', settings),
  ]);
  const scratch = mkdtempSync(join(tmpdir(), 'parley-bench-eval-'));
  let leases = 0;
  const lease = async (callId: string): Promise<AgentLease> => {
    const dataDir = join(scratch, `${callId}-${++leases}`);
    const agent = await packageTracker.create({ dataDir, ephemeral: true });
    return {
      agent,
      async release() {
        await agent.close?.();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  };
  // The recognizer's domain language model is built now, not inside the first call's TTFA.
  const warm = await lease('warmup');
  await stt.prepare?.({ phrases: warm.agent.phraseTemplates });
  await warm.release();
  const speech = new TtsCallerSpeech(async (voice, { rate }) => {
    const voices = await createEngine('tts', 'embedded', { ...settings, speakingRate: rate, voice });
    return voices.synthesizer(voice, { sessionId: 'caller', clock: new SystemClock() });
  });

  return {
    async run(jobs, onDone) {
      const runtimes = new Map<BrainEngine, Runtime>();
      for (const job of jobs) {
        if (!runtimes.has(job.brain)) {
          runtimes.set(job.brain, createRuntime({ engines: { vad, stt, tts, brain: job.brain }, settings }));
        }
      }
      // Caller speech is rendered (and cached) before any call, so no call pays for it.
      for (const job of jobs) await prepareCallerAudio(job.scenario, speech);
      const results = new Map<string, CallResult[]>();
      let next = 0;
      let done = 0;
      const worker = async () => {
        for (let job = jobs[next++]; job; job = jobs[next++]) {
          const [result] = await runSuite({
            scenarios: [job.scenario],
            modes: [job.mode],
            sessions: runtimes.get(job.brain) as Runtime,
            agent: lease,
            speech,
          });
          if (result) results.set(job.config, [...(results.get(job.config) ?? []), result]);
          onDone?.(++done, jobs.length);
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, worker));
      } finally {
        await Promise.allSettled([...runtimes.values()].map((r) => r.close()));
      }
      return results;
    },
    async close() {
      await speech.close();
      await Promise.allSettled([vad.close?.(), stt.close?.(), tts.close?.()]);
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
