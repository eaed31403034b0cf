/**
 * What Parley's streaming design gains when the brain is a real LLM: real calls on the embedded
 * speech stack (Silero, pocketsphinx, flite) with the `sim` brain, an OpenAI-compatible server
 * answering from the package tracker's own dialogue engine with an LLM's latency (median time to
 * first token 300, 600, 1000 ms; 40 tokens/s), reached through the real OpenAI client. Prints:
 *
 *   1. streaming vs sequential TTFA (p50, p95) per step, fillers off so TTFA is the answer's own
 *      first audio, with the measured gain next to its LLM bound (generation time after the
 *      first clause), and how often fillers were spoken when they are on (the default);
 *   2. hedging: `HedgedBrain` over a backend with a slow tail and a clean one, against the
 *      tailed backend alone, on the brain (many requests) and in calls.
 *
 * All calls of all configurations share one pool of workers, interleaved, so every
 * configuration runs under the same load. `npm run bench:eval` (about 8 minutes on 2 cores);
 * `-- --quick` runs one step; `-- --concurrency N` sets the calls at once (default 2);
 * `-- --steps 300,600` the TTFT steps; `-- --tps 40` the token rate.
 * The whole scenario suite in both pipelines is `parley eval --mode both --report FILE.html`.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import packageTracker from '../src/apps/package-tracker/agent.js';
import type { BrainEngine, EngineSettings } from '../src/engines/engine.js';
import { parseEngineSpec } from '../src/engines/engine-spec.js';
import { type SimBrainEngine, simBrainEngine } from '../src/engines/sim/engine.js';
import type { CallResult, PipelineMode } from '../src/eval/runner.js';
import type { Scenario } from '../src/eval/scenario.js';
import {
  failures,
  fillers,
  llmBounds,
  ms,
  p,
  pairedGains,
  passed,
  table,
  ttfas,
} from './llm-latency/figures.js';
import { firstDeltaTimes, hedgedEngine } from './llm-latency/hedging.js';
import { benchScenarios, NO_FILLERS } from './llm-latency/scenarios.js';
import { type CallJob, openStack } from './llm-latency/stack.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '2' },
    steps: { type: 'string' },
    tps: { type: 'string', default: '40' },
  },
});
const concurrency = Number(args.concurrency);
const tps = Number(args.tps);
const steps = (args.steps ?? (args.quick ? '600' : '300,600,1000')).split(',').map(Number);
const HEDGE_TTFT_MS = 600;
const TAIL = 'tailP=0.2,tailMs=1500';
const BRAIN_REQUESTS = args.quick ? 40 : 120;
const FILLER_AFTER_MS = 700;

const settings: EngineSettings = { dataDir: '.parley', lm: 'domain', speakingRate: 1, env: {} };
const sims: SimBrainEngine[] = [];
/** A sim engine from its spec, as a user would write it. */
async function sim(spec: string): Promise<SimBrainEngine> {
  const [part] = parseEngineSpec(spec);
  const engine = (await simBrainEngine(settings, part?.params ?? {})) as SimBrainEngine;
  sims.push(engine);
  return engine;
}

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
const log = (line: string) => console.error(`bench:eval [${elapsed()}] ${line}`);

interface Config {
  name: string;
  brain: BrainEngine;
  scenarios: Scenario[];
  modes: PipelineMode[];
}

const stepSpec = (ttftMs: number) => `sim:ttftMs=${ttftMs},tps=${tps},seed=1`;
const tailedSpec = `sim:ttftMs=${HEDGE_TTFT_MS},tps=${tps},${TAIL},seed=11`;
const cleanSpec = `sim:ttftMs=${HEDGE_TTFT_MS},tps=${tps},seed=12`;

const loadAtStart = loadavg()[0] ?? 0;
log(`loading the embedded stack (concurrency ${concurrency})…`);
const stack = await openStack({ concurrency });
try {
  // Brain alone first (no calls running): many requests, so p95 rests on enough samples.
  log(`hedging on the brain: ${BRAIN_REQUESTS} requests to each…`);
  const agent = await packageTracker.create({ dataDir: '.parley/bench-hedging', ephemeral: true });
  const ask = {
    messages: [
      { role: 'system' as const, content: agent.persona },
      { role: 'user' as const, content: 'Where is my order four two one nine?' },
    ],
    tools: [],
  };
  const aloneTimes = await firstDeltaTimes(await sim(tailedSpec), agent, ask, BRAIN_REQUESTS, 8);
  const hedgedTimes = await firstDeltaTimes(
    hedgedEngine([await sim(tailedSpec), await sim(cleanSpec)]),
    agent,
    ask,
    BRAIN_REQUESTS,
    8,
  );
  await agent.close?.();

  const configs: Config[] = [];
  const pairs = new Map<number, SimBrainEngine>();
  for (const ttftMs of steps) {
    const pair = await sim(stepSpec(ttftMs));
    pairs.set(ttftMs, pair);
    configs.push({
      name: `pair-${ttftMs}`,
      brain: pair,
      scenarios: benchScenarios(NO_FILLERS),
      modes: ['streaming', 'sequential'],
    });
    configs.push({
      name: `fillers-${ttftMs}`,
      brain: await sim(stepSpec(ttftMs)),
      scenarios: benchScenarios({ fillerAfterMs: FILLER_AFTER_MS }),
      modes: ['streaming'],
    });
  }
  configs.push({
    name: 'hedge-alone',
    brain: await sim(tailedSpec),
    scenarios: benchScenarios(NO_FILLERS),
    modes: ['streaming'],
  });
  configs.push({
    name: 'hedge-pair',
    brain: hedgedEngine([await sim(tailedSpec), await sim(cleanSpec)]),
    scenarios: benchScenarios(NO_FILLERS),
    modes: ['streaming'],
  });
  // Interleaved: call i of every configuration, then call i + 1; both pipelines of a call side by side.
  const jobs: CallJob[] = [];
  const callsPerConfig = Math.max(...configs.map((c) => c.scenarios.length));
  for (let i = 0; i < callsPerConfig; i++) {
    for (const c of configs) {
      const scenario = c.scenarios[i];
      if (scenario) for (const mode of c.modes) jobs.push({ config: c.name, brain: c.brain, scenario, mode });
    }
  }
  log(`${jobs.length} calls, ${concurrency} at once…`);
  const results = await stack.run(jobs, (done, total) => {
    if (done % 5 === 0 || done === total) log(`${done}/${total} calls done`);
  });
  const of = (name: string): CallResult[] => results.get(name) ?? [];

  const stepRows: string[][] = [];
  for (const ttftMs of steps) {
    const pair = of(`pair-${ttftMs}`);
    const filled = of(`fillers-${ttftMs}`);
    const engine = pairs.get(ttftMs);
    const bounds = engine ? llmBounds((await engine.start()).requests) : [];
    const stream = ttfas(pair, 'streaming');
    const seq = ttfas(pair, 'sequential');
    const spoken = fillers(filled);
    stepRows.push([
      `${ttftMs}`,
      ms(p(stream, 50)),
      ms(p(stream, 95)),
      ms(p(seq, 50)),
      ms(p(seq, 95)),
      ms(p(pairedGains(pair), 50)),
      ms(p(bounds, 50)),
      `${spoken.count}/${spoken.turns}`,
      ms(p(ttfas(filled, 'streaming'), 50)),
      `${stream.length}/${seq.length}`,
      `${passed(pair)}, ${passed(filled)}`,
    ]);
  }
  const aloneTtfa = ttfas(of('hedge-alone'), 'streaming');
  const hedgedTtfa = ttfas(of('hedge-pair'), 'streaming');
  const hedgeRow = (label: string, times: number[], ttfa: number[], calls: CallResult[]) => [
    label,
    ms(p(times, 50)),
    ms(p(times, 95)),
    ms(p(ttfa, 50)),
    ms(p(ttfa, 95)),
    `${ttfa.length}`,
    passed(calls),
  ];
  const hedgeRows = [
    hedgeRow('tailed backend alone', aloneTimes, aloneTtfa, of('hedge-alone')),
    hedgeRow('hedged (tailed + clean)', hedgedTimes, hedgedTtfa, of('hedge-pair')),
    [
      'p95 gain',
      '',
      ms((p(aloneTimes, 95) ?? 0) - (p(hedgedTimes, 95) ?? 0)),
      '',
      ms((p(aloneTtfa, 95) ?? 0) - (p(hedgedTtfa, 95) ?? 0)),
      '',
      '',
    ],
  ];

  console.log(
    `\nLLM latency: real calls (Silero + pocketsphinx + flite) with the sim brain over HTTP, ${tps} tokens/s;` +
      `\n3 package-tracker calls x 3 caller turns per cell, ${concurrency} calls at once. TTFA in ms from the` +
      "\ncaller's true speech end. Pipelines compared with fillers off (TTFA = the answer's own first audio);" +
      `\nfiller columns: the same calls, streaming, fillers on (after ${FILLER_AFTER_MS} ms, the default).\n`,
  );
  console.log(
    table(
      [
        'TTFT median',
        'stream p50',
        'stream p95',
        'seq p50',
        'seq p95',
        'gain p50',
        'LLM bound p50',
        'fillers spoken',
        'TTFA w/ fillers p50',
        'turns s/q',
        'calls passed',
      ],
      stepRows,
    ),
  );
  console.log(
    '\ngain p50: median over turns of (sequential − streaming) TTFA of the same turn; both pipelines' +
      '\nmeet the same LLM delays (the draw depends on the seed and the conversation). LLM bound: per' +
      '\nanswer, the generation time after the first clause was complete; streaming also overlaps the' +
      '\nsynthesis of later clauses with playout, which the bound leaves out.',
  );
  console.log(
    `\nHedging: median TTFT ${HEDGE_TTFT_MS} ms; the tailed backend has ${TAIL.replace(',', ', ')}, the clean one none.\n`,
  );
  console.log(
    table(
      ['brain', 'first delta p50', 'first delta p95', 'TTFA p50', 'TTFA p95', 'turns', 'calls passed'],
      hedgeRows,
    ),
  );
  console.log(
    `first delta: ${BRAIN_REQUESTS} requests per brain, 8 at a time, no calls running; TTFA: the 3 calls, streaming.`,
  );
  const problems = configs.flatMap((c) => failures(of(c.name)).map((f) => `${c.name}: ${f}`));
  if (problems.length > 0) console.log(`\nfailed calls:\n  ${problems.join('\n  ')}`);
} finally {
  await Promise.allSettled(sims.map((s) => s.close()));
  await stack.close();
}
console.log(
  `\nbench:eval: ${elapsed()} wall clock; 1-minute load average ${loadAtStart.toFixed(1)} at start, ` +
    `${(loadavg()[0] ?? 0).toFixed(1)} at the end (other processes' load counts in every figure).`,
);
