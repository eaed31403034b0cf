/**
 * Runs scenarios as real calls: each gets a fresh session from the runtime, the simulated caller
 * talks to it in real time, and the call is measured and judged. N calls run at once.
 */
import { encodeWavStereo } from '../audio/wav.js';
import { type Clock, SystemClock } from '../clock.js';
import { resolveOptions, type SessionOptions } from '../conversation/options.js';
import type { AgentDefinition, SessionApi, ToolDefinition } from '../index.js';
import { type CallerSpeechSource, prepareCallerAudio } from './caller-audio.js';
import { type CallChannel, throughChannel } from './channel.js';
import { type CheckResult, judgeCall } from './expectations.js';
import { type CallMetrics, computeCallMetrics } from './metrics.js';
import type { CallRecording } from './recording.js';
import type { Scenario } from './scenario.js';
import { type StepAudio, simulateCall } from './simulator.js';

export type PipelineMode = 'streaming' | 'sequential';

/** What the runner needs from a runtime (src/runtime/embedded.ts provides it). */
export interface SessionFactory {
  createSession(opts: {
    agent: AgentDefinition;
    id?: string;
    clock?: Clock;
    options?: Partial<SessionOptions>;
  }): Promise<SessionApi>;
}

/** A fresh agent per call (its own data, so a cancelled order does not leak into the next call). */
export interface AgentLease {
  agent: AgentDefinition;
  release(): void | Promise<void>;
}

export interface CallResult {
  scenario: string;
  description: string;
  tags: string[];
  mode: PipelineMode;
  /** The line the caller's voice came over. */
  channel: CallChannel;
  passed: boolean;
  checks: CheckResult[];
  metrics?: CallMetrics;
  error?: string;
  /** Stereo WAV (caller left, agent right) when recordings are kept. */
  wav?: Buffer;
}

export interface RunSuiteOptions {
  scenarios: Scenario[];
  modes: PipelineMode[];
  /** Calls running at once. Default 1. */
  concurrency?: number;
  sessions: SessionFactory;
  /** A fresh agent for each call (its own scratch data). */
  agent: (callId: string) => Promise<AgentLease>;
  speech: CallerSpeechSource;
  /** Default: one SystemClock shared by all calls (the wall clock). */
  clock?: Clock;
  /** Keep each call's stereo WAV in its result. Default false. */
  keepAudio?: boolean;
  /**
   * The line between caller and Parley: 'phone' passes the caller's voice through 8 kHz μ-law, as a
   * phone call does. Default 'wideband'.
   */
  channel?: CallChannel;
  /** Session options under each scenario's own (a channel's preset, say). Default none. */
  sessionOptions?: Partial<SessionOptions>;
  onCallStart?(scenario: Scenario, mode: PipelineMode): void;
  onCallDone?(result: CallResult): void;
}

/** Makes every tool of the agent `delayMs` slower: a slow backend, for filler scenarios. */
export function withToolDelay(agent: AgentDefinition, delayMs: number, clock: Clock): AgentDefinition {
  if (delayMs <= 0) return agent;
  // biome-ignore lint/suspicious/noExplicitAny: tools keep their own argument types
  const slow = (tool: ToolDefinition<any, any>): ToolDefinition<any, any> => ({
    ...tool,
    async execute(args, ctx) {
      await clock.sleep(delayMs, ctx.signal);
      return tool.execute(args, ctx);
    },
  });
  return { ...agent, tools: agent.tools.map(slow) };
}

interface Job {
  scenario: Scenario;
  mode: PipelineMode;
  index: number;
}

export async function runSuite(o: RunSuiteOptions): Promise<CallResult[]> {
  const clock = o.clock ?? new SystemClock();
  // Scenario-major order so both modes of a scenario run close together, under the same load.
  const jobs: Job[] = o.scenarios.flatMap((scenario) =>
    o.modes.map((mode) => ({ scenario, mode, index: 0 })),
  );
  jobs.forEach((j, i) => {
    j.index = i;
  });
  // All caller audio is rendered before the first call, so no call's TTFA pays for another's caller.
  const audio = new Map<Scenario, Awaited<ReturnType<typeof prepareCallerAudio>> | Error>();
  const channel = o.channel ?? 'wideband';
  for (const scenario of o.scenarios) {
    const prepared = await prepareCallerAudio(scenario, o.speech).catch((err: unknown) =>
      err instanceof Error ? err : new Error(String(err)),
    );
    if (!(prepared instanceof Error)) {
      for (const step of prepared.values()) step.samples = throughChannel(step.samples, channel);
    }
    audio.set(scenario, prepared);
  }
  const results: CallResult[] = new Array(jobs.length);
  let next = 0;
  let active = 0;
  const worker = async () => {
    for (;;) {
      const job = jobs[next++];
      if (!job) return;
      o.onCallStart?.(job.scenario, job.mode);
      active++;
      try {
        results[job.index] = await runCall(o, job, audio.get(job.scenario), clock, () => active);
      } finally {
        active--;
      }
      o.onCallDone?.(results[job.index] as CallResult);
    }
  };
  const workers = Math.max(1, Math.min(o.concurrency ?? 1, jobs.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}

async function runCall(
  o: RunSuiteOptions,
  job: Job,
  prepared: Map<number, StepAudio> | Error | undefined,
  clock: Clock,
  load: () => number,
): Promise<CallResult> {
  const { scenario, mode } = job;
  const base = {
    scenario: scenario.name,
    description: scenario.description,
    tags: scenario.tags,
    mode,
    channel: o.channel ?? 'wideband',
  };
  const callId = `eval-${scenario.name}-${mode}-${job.index}`;
  let lease: AgentLease | undefined;
  try {
    const options: Partial<SessionOptions> = {
      greeting: false,
      ...o.sessionOptions,
      ...scenario.options,
      pipeline: mode,
    };
    const { minInterruptionMs } = resolveOptions(options);
    if (!prepared || prepared instanceof Error) throw prepared ?? new Error('caller audio was not prepared');
    const audio = prepared;
    lease = await o.agent(callId);
    const agent = withToolDelay(lease.agent, scenario.toolDelayMs, clock);
    const session = await o.sessions.createSession({ agent, id: callId, clock, options });
    const rec = await simulateCall({ session, clock, scenario, audio, mode, minInterruptionMs, load });
    return judged(base, scenario, rec, o.keepAudio ?? false);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ...base, passed: false, checks: [], error: message };
  } finally {
    await lease?.release();
  }
}

function judged(
  base: Omit<CallResult, 'passed' | 'checks'>,
  scenario: Scenario,
  rec: CallRecording,
  keepAudio: boolean,
): CallResult {
  const metrics = computeCallMetrics(rec);
  const checks = judgeCall(scenario, rec, metrics);
  const errors = rec.events
    .filter((e) => e.type === 'error')
    .map((e) => (e.type === 'error' ? e.message : ''));
  const result: CallResult = { ...base, passed: checks.every((c) => c.passed), checks, metrics };
  if (errors.length > 0) result.error = `session reported: ${errors.slice(0, 3).join('; ')}`;
  if (keepAudio)
    result.wav = encodeWavStereo(rec.micTrack, padTo(rec.agentTrack, rec.micTrack.length), 16_000);
  return result;
}

function padTo(samples: Int16Array, length: number): Int16Array {
  if (samples.length >= length) return samples.subarray(0, length);
  const out = new Int16Array(length);
  out.set(samples);
  return out;
}
