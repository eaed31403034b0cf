/**
 * `parley eval`: runs scenario files as real calls against the embedded stack and reports
 * turn-taking and latency. Exit code 1 when any expectation fails, 2 on bad usage.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { summarizeSuite } from '../eval/aggregate.js';
import { renderReport } from '../eval/report-html.js';
import { type PipelineMode, runSuite } from '../eval/runner.js';
import { loadSuite, type Scenario, selectScenarios } from '../eval/scenario.js';
import { formatSummary, Progress } from '../eval/summary-text.js';

const DEFAULT_SUITE = fileURLToPath(new URL('../eval/scenarios/', import.meta.url));

const USAGE = `usage: parley eval [options]

  --suite PATH          scenario file or folder (default: the package-tracker suite)
  --only NAME[,NAME]    run only these scenarios
  --tags TAG[,TAG]      run only scenarios with one of these tags (e.g. ci)
  --concurrency N       calls at once (default 1)
  --mode MODE           streaming | sequential | both (default streaming)
  --json                print results as JSON on stdout (progress stays on stderr)
  --report FILE.html    write the self-contained HTML report
  --wav-dir DIR         write each call as a stereo WAV (caller left, agent right)
  --lm domain|generic   recognizer language model (default domain)
`;

function modesOf(mode: string): PipelineMode[] {
  if (mode === 'both') return ['streaming', 'sequential'];
  if (mode === 'streaming' || mode === 'sequential') return [mode];
  throw new Error(`--mode must be streaming, sequential or both, not '${mode}'`);
}

export async function run(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  let modes: PipelineMode[];
  let concurrency: number;
  try {
    args = parse(argv);
    modes = modesOf(args.values.mode);
    concurrency = Number(args.values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new Error('--concurrency must be a whole number ≥ 1');
    if (args.values.lm !== 'domain' && args.values.lm !== 'generic')
      throw new Error('--lm must be domain or generic');
  } catch (err) {
    console.error(`parley eval: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  const v = args.values;
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  const tags = v.tags ? v.tags.split(',').filter(Boolean) : [];
  let scenarios: Scenario[];
  try {
    if (!existsSync(v.suite)) throw new Error(`--suite ${v.suite}: no such file or folder`);
    scenarios = selectScenarios(await loadSuite(v.suite), { ...(v.only ? { only: v.only } : {}), tags });
  } catch (err) {
    console.error(`parley eval: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  if (scenarios.length === 0) {
    console.error('parley eval: no scenario matches');
    return 2;
  }

  console.error(
    `parley eval: ${scenarios.length} scenarios × ${modes.join(' + ')}; loading engines, rendering caller audio…`,
  );
  const { openEmbeddedEval } = await import('../eval/embedded.js');
  const engines = await openEmbeddedEval({ lm: v.lm as 'domain' | 'generic' });
  const progress = new Progress(scenarios.length * modes.length);
  let results: Awaited<ReturnType<typeof runSuite>>;
  try {
    results = await runSuite({
      scenarios,
      modes,
      concurrency,
      ...engines,
      keepAudio: Boolean(v['wav-dir']),
      onCallStart: (s, mode) => progress.start(`${s.name}/${mode}`),
      onCallDone: (r) => progress.finish(`${r.scenario}/${r.mode}`, r.passed),
    });
  } finally {
    progress.end();
    await engines.close();
  }

  const summary = summarizeSuite(results);
  if (v['wav-dir']) {
    mkdirSync(v['wav-dir'], { recursive: true });
    for (const r of results)
      if (r.wav) writeFileSync(join(v['wav-dir'], `${r.scenario}.${r.mode}.wav`), r.wav);
  }
  if (v.report) {
    mkdirSync(dirname(v.report), { recursive: true });
    writeFileSync(v.report, renderReport({ generatedAt: new Date(), concurrency, results, summary }));
    console.error(`parley eval: report written to ${v.report}`);
  }
  if (v.json) {
    const plain = results.map(({ wav: _wav, ...rest }) => rest);
    process.stdout.write(`${JSON.stringify({ concurrency, summary, results: plain }, null, 2)}\n`);
  } else {
    process.stdout.write(formatSummary(results, summary));
  }
  return results.every((r) => r.passed) ? 0 : 1;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: false,
    options: {
      suite: { type: 'string', default: DEFAULT_SUITE },
      only: { type: 'string' },
      tags: { type: 'string' },
      concurrency: { type: 'string', default: '1' },
      mode: { type: 'string', default: 'streaming' },
      json: { type: 'boolean', default: false },
      report: { type: 'string' },
      'wav-dir': { type: 'string' },
      lm: { type: 'string', default: 'domain' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
