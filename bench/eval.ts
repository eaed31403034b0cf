/**
 * The full scenario suite as a benchmark: every scenario through the streaming and the
 * sequential pipeline, side by side, printing TTFA percentiles, turn-taking rates, the streaming
 * gain and TTFA by load, and writing the HTML report. Then a load sweep: the ci subset at 1 and
 * 4 calls at once, to show how TTFA degrades with load. Extra arguments go to `parley eval`
 * (e.g. `npm run bench:eval -- --concurrency 3` or `-- --tags pauses`).
 */
import { loadAgent } from '../src/apps/load-agent.js';
import { run } from '../src/cli/eval.js';
import { summarizeMode } from '../src/eval/aggregate.js';
import { openEval } from '../src/eval/embedded.js';
import { runSuite } from '../src/eval/runner.js';
import { loadSuite, selectScenarios } from '../src/eval/scenario.js';
import { resolveRuntimeConfig } from '../src/runtime/config.js';

const SWEEP = [1, 4];

const defaults = ['--mode', 'both', '--concurrency', '2', '--report', 'test-output/eval/bench.html'];
const started = performance.now();
const code = await run([...defaults, ...process.argv.slice(2)]);
const ms = (v: number | undefined) => (v === undefined ? '–' : `${Math.round(v)}`);

console.error('bench:eval: load sweep over the ci subset…');
const config = resolveRuntimeConfig({});
const agent = await loadAgent(config.agent);
const engines = await openEval({ agent, config });
try {
  if (!agent.scenarios) throw new Error(`agent '${agent.name}' has no scenarios`);
  const scenarios = selectScenarios(await loadSuite(agent.scenarios), { tags: ['ci'] });
  console.log('\nTTFA by load (ci subset, streaming):');
  for (const concurrency of SWEEP) {
    const results = await runSuite({ scenarios, modes: ['streaming'], concurrency, ...engines });
    const s = summarizeMode('streaming', results);
    console.log(
      `  ${concurrency} at once: TTFA p50 ${ms(s.ttfaMs.p50)} ms, p95 ${ms(s.ttfaMs.p95)} ms (n=${s.ttfaMs.n}), ` +
        `turn detection p50 ${ms(s.turnDetectionMs.p50)} ms, passed ${s.passed}/${s.calls}`,
    );
  }
} finally {
  await engines.close();
}
console.log(
  `\nbench:eval: ${((performance.now() - started) / 1000).toFixed(0)} s wall clock; report in test-output/eval/bench.html`,
);
// Failed expectations are figures here, not an error of the benchmark itself.
process.exitCode = code === 2 ? 2 : 0;
