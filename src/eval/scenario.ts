/**
 * Scenario files: a script for the simulated caller plus what the call must achieve.
 * YAML or JSON; every field is validated and a bad one is reported with its path in the file.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';

export const CALLER_VOICES = ['slt', 'rms', 'awb', 'kal16', 'espeak'] as const;
export type CallerVoice = (typeof CALLER_VOICES)[number];

const voice = z.enum(CALLER_VOICES);
/** Speaking-rate factor for the caller's TTS: 1 = normal, 1.4 = fast talker, 0.7 = slow. */
const rate = z.number().min(0.4).max(2.5);
const positiveMs = z.number().int().positive();

const sayStep = z.strictObject({ text: z.string().min(1), voice: voice.optional(), rate: rate.optional() });
const msStep = z.strictObject({ ms: positiveMs });
const noiseStep = z.strictObject({
  kind: z.enum(['cough', 'door', 'babble', 'white']),
  /** RMS level of the noise in dBFS (e.g. -20). */
  levelDbfs: z.number().max(0).default(-20),
  ms: positiveMs.optional(),
  /** Wait for the agent to be speaking, then make the noise this far into its audio. */
  duringAgent: z.boolean().default(false),
  afterAgentAudioMs: z.number().int().nonnegative().default(400),
});
const backchannelStep = z.strictObject({
  text: z.string().min(1),
  voice: voice.optional(),
  /** Backchannels happen while the agent speaks: this far into its audio. */
  afterAgentAudioMs: z.number().int().nonnegative().default(600),
});
const interruptStep = z.strictObject({
  text: z.string().min(1),
  afterAgentAudioMs: z.number().int().nonnegative(),
  voice: voice.optional(),
  rate: rate.optional(),
});
const waitStep = z.strictObject({
  timeoutMs: positiveMs.default(15_000),
  /** When false, an agent that stays silent is fine (e.g. after a pure noise). */
  expectReply: z.boolean().default(true),
});

/** Scalars are shorthands: `say: "text"`, `pause: 600`, `backchannel: mhm`, `wait_for_agent: {}`. */
const stepSchemas = {
  say: z.preprocess((v) => (typeof v === 'string' ? { text: v } : v), sayStep),
  pause: z.preprocess((v) => (typeof v === 'number' ? { ms: v } : v), msStep),
  silence: z.preprocess((v) => (typeof v === 'number' ? { ms: v } : v), msStep),
  noise: noiseStep,
  backchannel: z.preprocess((v) => (typeof v === 'string' ? { text: v } : v), backchannelStep),
  interrupt: interruptStep,
  wait_for_agent: z.preprocess(
    (v) => (v === null || v === undefined ? {} : typeof v === 'number' ? { timeoutMs: v } : v),
    waitStep,
  ),
} as const;

export type StepKind = keyof typeof stepSchemas;
export type SayStep = { type: 'say' } & z.output<typeof sayStep>;
export type PauseStep = { type: 'pause' } & z.output<typeof msStep>;
export type SilenceStep = { type: 'silence' } & z.output<typeof msStep>;
export type NoiseStep = { type: 'noise' } & z.output<typeof noiseStep>;
export type BackchannelStep = { type: 'backchannel' } & z.output<typeof backchannelStep>;
export type InterruptStep = { type: 'interrupt' } & z.output<typeof interruptStep>;
export type WaitStep = { type: 'wait_for_agent' } & z.output<typeof waitStep>;
export type Step = SayStep | PauseStep | SilenceStep | NoiseStep | BackchannelStep | InterruptStep | WaitStep;

const toolCallExpectation = z.strictObject({
  name: z.string().min(1),
  /** Each listed argument must match (numbers and strings compare as text). */
  args: z.record(z.string(), z.unknown()).optional(),
  status: z.enum(['executed', 'rejected', 'needs_confirmation', 'failed', 'timeout', 'cancelled']).optional(),
});

/** A word or phrase; bare numbers in YAML (4219) count as text. */
const phrase = z.union([z.string().min(1), z.number()]).transform(String);

const expectations = z.strictObject({
  toolCalls: z.array(toolCallExpectation).default([]),
  /** Tools that must not execute (e.g. cancel_order after the caller said no). */
  noToolCalls: z.array(z.string()).default([]),
  /** Words or phrases the caller must hear (case-insensitive; spoken digits match numerals). */
  agentSays: z.array(phrase).default([]),
  agentSaysNot: z.array(phrase).default([]),
  noPrematureReply: z.boolean().default(false),
  stopsWhenInterrupted: z.boolean().default(false),
  noFalseBargeIn: z.boolean().default(false),
  historyHeardOnly: z.boolean().default(false),
  idleCheckIn: z.boolean().default(false),
  noSelfResponse: z.boolean().default(false),
  filler: z.boolean().default(false),
  /** The agent's last reply must still contain this value (pinned-fact recall late in a call). */
  recallInLastReply: phrase.optional(),
});
export type Expectations = z.output<typeof expectations>;

const scenarioSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lowercase letters, digits and dashes'),
  description: z.string().default(''),
  tags: z.array(z.string()).default([]),
  /** Default caller voice and rate for say/interrupt steps. The agent speaks slt by default, so the caller is another speaker. */
  voice: voice.default('rms'),
  rate: rate.default(1),
  /**
   * RMS level of the caller's speech at the mic, in dBFS (TTS voices differ by 15 dB otherwise).
   * Default −18: a clear caller after the client's automatic gain control.
   */
  callerLevelDbfs: z.number().min(-60).max(-3).default(-18),
  /** Agent audio leaking back into the caller's mic. `attenuationDb: 20` means −20 dB. */
  echo: z
    .strictObject({
      delayMs: z.number().int().nonnegative(),
      attenuationDb: z.number().nonnegative('give the attenuation as a positive number: 20 means −20 dB'),
    })
    .optional(),
  /** Extra time every tool of the agent takes in this call (a slow backend). */
  toolDelayMs: z.number().int().nonnegative().default(0),
  /** Session option overrides (e.g. idleCheckInMs); the greeting is off unless set here. */
  options: z.record(z.string(), z.unknown()).default({}),
  /** How long to wait for the agent to fall silent after the last step. */
  tailMs: positiveMs.default(1500),
  steps: z.array(z.record(z.string(), z.unknown())).min(1),
  expect: expectations.default(expectations.parse({})),
});

export type Scenario = Omit<z.output<typeof scenarioSchema>, 'steps'> & { steps: Step[]; file?: string };

export class ScenarioError extends Error {
  constructor(
    readonly source: string,
    readonly issues: string[],
  ) {
    super(`${source}: invalid scenario\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ScenarioError';
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path)
    out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out || '(root)';
}

function issuesOf(error: z.ZodError, prefix: PropertyKey[]): string[] {
  return error.issues.map((i) => `${formatPath([...prefix, ...i.path])}: ${i.message}`);
}

function parseStep(raw: Record<string, unknown>, index: number, issues: string[]): Step | undefined {
  const keys = Object.keys(raw);
  const kinds = Object.keys(stepSchemas).join(', ');
  if (keys.length !== 1) {
    issues.push(`steps[${index}]: a step has exactly one of ${kinds}; found ${keys.join(', ') || 'nothing'}`);
    return undefined;
  }
  const kind = keys[0] as string;
  // Own keys only: `constructor` or `toString` are not step kinds (`in` would find them on the prototype).
  if (!Object.hasOwn(stepSchemas, kind)) {
    issues.push(`steps[${index}]: unknown step '${kind}' (expected one of ${kinds})`);
    return undefined;
  }
  const result = stepSchemas[kind as StepKind].safeParse(raw[kind]);
  if (!result.success) {
    issues.push(...issuesOf(result.error, ['steps', index, kind]));
    return undefined;
  }
  return { type: kind, ...(result.data as object) } as Step;
}

/** Validates one parsed scenario document; `source` names it in errors. */
export function parseScenario(doc: unknown, source = 'scenario'): Scenario {
  const top = scenarioSchema.safeParse(doc);
  if (!top.success) throw new ScenarioError(source, issuesOf(top.error, []));
  const issues: string[] = [];
  const steps = top.data.steps.map((s, i) => parseStep(s, i, issues));
  if (issues.length > 0) throw new ScenarioError(source, issues);
  return { ...top.data, steps: steps as Step[] };
}

export function parseScenarioText(text: string, source: string): Scenario {
  let doc: unknown;
  try {
    doc = source.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new ScenarioError(source, [
      `not valid ${source.endsWith('.json') ? 'JSON' : 'YAML'}: ${String(err)}`,
    ]);
  }
  return parseScenario(doc, source);
}

export async function loadScenarioFile(path: string): Promise<Scenario> {
  const scenario = parseScenarioText(await readFile(path, 'utf8'), path);
  return { ...scenario, file: path };
}

const SCENARIO_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Loads a scenario file or every scenario file in a folder (sorted by name; names must be unique). */
export async function loadSuite(path: string): Promise<Scenario[]> {
  if (SCENARIO_EXTENSIONS.has(extname(path))) return [await loadScenarioFile(path)];
  const entries = (await readdir(path)).filter((f) => SCENARIO_EXTENSIONS.has(extname(f))).sort();
  if (entries.length === 0) throw new Error(`${path}: no scenario files (.yaml, .yml, .json)`);
  const scenarios = await Promise.all(entries.map((f) => loadScenarioFile(join(path, f))));
  const seen = new Map<string, string>();
  for (const s of scenarios) {
    const other = seen.get(s.name);
    if (other) throw new Error(`scenario name '${s.name}' is used by both ${basename(other)} and ${s.file}`);
    seen.set(s.name, s.file ?? s.name);
  }
  return scenarios;
}

export function selectScenarios(all: Scenario[], filter: { only?: string; tags?: string[] }): Scenario[] {
  let picked = all;
  if (filter.only) {
    const names = filter.only.split(',');
    picked = picked.filter((s) => names.includes(s.name));
    const missing = names.filter((n) => !all.some((s) => s.name === n));
    if (missing.length > 0) throw new Error(`no scenario named ${missing.join(', ')}`);
  }
  if (filter.tags && filter.tags.length > 0) {
    const tags = filter.tags;
    picked = picked.filter((s) => tags.some((t) => s.tags.includes(t)));
  }
  return picked;
}
