/**
 * The full scenario suite as a benchmark: every scenario through the streaming and the
 * sequential pipeline, side by side, printing TTFA percentiles, turn-taking rates, the streaming
 * gain and TTFA by load, and writing the HTML report. Extra arguments go to `parley eval`
 * (e.g. `npm run bench:eval -- --concurrency 3` or `-- --tags pauses`).
 */
import { run } from '../src/cli/eval.js';

const defaults = ['--mode', 'both', '--concurrency', '2', '--report', 'test-output/eval/bench.html'];
const started = performance.now();
const code = await run([...defaults, ...process.argv.slice(2)]);
console.log(
  `\nbench:eval: ${((performance.now() - started) / 1000).toFixed(0)} s wall clock; report in test-output/eval/bench.html`,
);
// Failed expectations are figures here, not an error of the benchmark itself.
process.exitCode = code === 2 ? 2 : 0;
