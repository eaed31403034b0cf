/**
 * `parley eval`: runs scenario files as real calls against the embedded stack and reports
 * turn-taking and latency. Exit code 1 when any expectation fails, 2 on bad usage.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { type SuiteSummary, summarizeSuite } from '../eval/aggregate.js';
import { CALL_CHANNELS, type CallChannel } from '../eval/channel.js';
import { renderReport } from '../eval/report-html.js';
import { type CallResult, type PipelineMode, runSuite } from '../eval/runner.js';
import { loadSuite, type Scenario, selectScenarios } from '../eval/scenario.js';
import { formatChannels, formatSummary, Progress } from '../eval/summary-text.js';
import type { Agent } from '../agent.js';
import { loadAgent } from '../apps/load-agent.js';
import type { RuntimeConfig } from '../runtime/config.js';
import { PRESETS } from '../conversation/options.js';
import { agentRefFrom, RUNTIME_FLAG_OPTIONS, runtimeConfigFrom, runtimeFlagUsage } from './runtime-flags.js';

const usage = () => `usage: parley eval [options]

  --suite PATH          scenario file or folder (default: the agent's own scenarios)
  --only NAME[,NAME]    run only these scenarios
  --tags TAG[,TAG]      run only scenarios with one of these tags (e.g. ci)
  --concurrency N       calls at once (default 1)
  --mode MODE           streaming | sequential | both (default streaming)
  --channel CHANNEL     wideband (a browser's 16 kHz) | phone (8 kHz μ-law, the phone preset) | both,
                        side by side (default wideband)
  --json                print results as JSON on stdout (progress stays on stderr)
  --report FILE.html    write the self-contained HTML report
  --wav-dir DIR         write each call as a stereo WAV (caller left, agent right)
${runtimeFlagUsage()}
`;

function channelsOf(channel: string): CallChannel[] {
  if (channel === 'both') return [...CALL_CHANNELS];
  if ((CALL_CHANNELS as readonly string[]).includes(channel)) return [channel as CallChannel];
  throw new Error(`--channel must be wideband, phone or both, not '${channel}'`);
}

function modesOf(mode: string): PipelineMode[] {
  if (mode === 'both') return ['streaming', 'sequential'];
  if (mode === 'streaming' || mode === 'sequential') return [mode];
  throw new Error(`--mode must be streaming, sequential or both, not '${mode}'`);
}

export async function run(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  let modes: PipelineMode[];
  let channels: CallChannel[];
  let concurrency: number;
  let config: RuntimeConfig;
  try {
    args = parse(argv);
    modes = modesOf(args.values.mode);
    channels = channelsOf(args.values.channel);
    concurrency = Number(args.values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new Error('--concurrency must be a whole number ≥ 1');
  } catch (err) {
    console.error(`parley eval: ${err instanceof Error ? err.message : String(err)}\n\n${usage()}`);
    return 2;
  }
  const v = args.values;
  if (v.help) {
    console.log(usage());
    return 0;
  }
  let agent: Agent;
  try {
    agent = await loadAgent(agentRefFrom(v));
    config = runtimeConfigFrom(v);
  } catch (err) {
    console.error(`parley eval: ${(err as Error).message}`);
    return 2;
  }
  const suite = v.suite ?? agent.scenarios;
  const tags = v.tags ? v.tags.split(',').filter(Boolean) : [];
  let scenarios: Scenario[];
  try {
    if (!suite) throw new Error(`agent '${agent.name}' has no scenarios of its own; give --suite PATH`);
    if (!existsSync(suite)) throw new Error(`${v.suite ? '--suite ' : ''}${suite}: no such file or folder`);
    scenarios = selectScenarios(await loadSuite(suite), { ...(v.only ? { only: v.only } : {}), tags });
  } catch (err) {
    console.error(`parley eval: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  if (scenarios.length === 0) {
    console.error('parley eval: no scenario matches');
    return 2;
  }

  console.error(
    `parley eval: ${agent.name}, ${scenarios.length} scenarios × ${modes.join(' + ')} over ${channels.join(' + ')}; loading engines, rendering caller audio…`,
  );
  const { openEval } = await import('../eval/embedded.js');
  const engines = await openEval({ agent, config });
  const progress = new Progress(scenarios.length * modes.length * channels.length);
  const runs: { channel: CallChannel; results: CallResult[]; summary: SuiteSummary }[] = [];
  try {
    for (const channel of channels) {
      const results = await runSuite({
        scenarios,
        modes,
        concurrency,
        ...engines,
        channel,
        // A phone call gets the phone preset, as a served phone call does.
        ...(channel === 'phone' ? { sessionOptions: PRESETS.phone } : {}),
        keepAudio: Boolean(v['wav-dir']),
        onCallStart: (s, mode) => progress.start(`${s.name}/${mode}/${channel}`),
        onCallDone: (r) => progress.finish(`${r.scenario}/${r.mode}/${channel}`, r.passed),
      });
      runs.push({ channel, results, summary: summarizeSuite(results) });
    }
  } finally {
    progress.end();
    await engines.close();
  }

  const results = runs.flatMap((r) => r.results);
  if (v['wav-dir']) {
    mkdirSync(v['wav-dir'], { recursive: true });
    for (const r of results) {
      const suffix = channels.length > 1 ? `.${r.channel}` : '';
      if (r.wav) writeFileSync(join(v['wav-dir'], `${r.scenario}.${r.mode}${suffix}.wav`), r.wav);
    }
  }
  const summary = (runs[0] as { summary: SuiteSummary }).summary;
  if (v.report) {
    mkdirSync(dirname(v.report), { recursive: true });
    writeFileSync(v.report, renderReport({ generatedAt: new Date(), concurrency, results, summary }));
    console.error(`parley eval: report written to ${v.report}`);
  }
  if (v.json) {
    const plain = (rs: CallResult[]) => rs.map(({ wav: _wav, ...rest }) => rest);
    const body =
      runs.length === 1
        ? { concurrency, channel: channels[0], summary, results: plain(results) }
        : {
            concurrency,
            channels: Object.fromEntries(
              runs.map((r) => [r.channel, { summary: r.summary, results: plain(r.results) }]),
            ),
          };
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  } else if (runs.length === 1) {
    process.stdout.write(formatSummary(results, summary));
  } else {
    for (const r of runs)
      process.stdout.write(`\n== ${r.channel} ==\n${formatSummary(r.results, r.summary)}`);
    process.stdout.write(formatChannels(runs));
  }
  return results.every((r) => r.passed) ? 0 : 1;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: false,
    options: {
      suite: { type: 'string' },
      only: { type: 'string' },
      tags: { type: 'string' },
      concurrency: { type: 'string', default: '1' },
      mode: { type: 'string', default: 'streaming' },
      channel: { type: 'string', default: 'wideband' },
      json: { type: 'boolean', default: false },
      report: { type: 'string' },
      'wav-dir': { type: 'string' },
      ...RUNTIME_FLAG_OPTIONS,
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
