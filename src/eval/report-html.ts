/**
 * The eval report: one self-contained HTML file (inline CSS, SVG and a little JS, no external
 * assets) with outcomes, the TTFA distribution, per-turn waterfalls and streaming vs sequential.
 */
import type { ModeSummary, Percentiles, Rate, SuiteSummary } from './aggregate.js';
import {
  cdfSvg,
  escapeHtml,
  histogramSvg,
  MODE_COLOURS,
  stageLegendHtml,
  waterfallSvg,
} from './report-svg.js';
import type { CallResult } from './runner.js';

export interface ReportInput {
  title?: string;
  generatedAt: Date;
  concurrency: number;
  results: CallResult[];
  summary: SuiteSummary;
}

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d232b;background:#fafbfc}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d8dde3}
table{border-collapse:collapse;margin:8px 0;background:#fff}th,td{border:1px solid #d8dde3;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#17803d;font-weight:600}.fail{color:#c62828;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0;background:#fff;border:1px solid #d8dde3;padding:8px}
figcaption{font-weight:600;margin-bottom:4px}svg text{font-size:10px;fill:#39424c}.grid{stroke:#e6e9ed}
.swatch{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}.muted{color:#6b7580}
details{background:#fff;border:1px solid #d8dde3;margin:6px 0;padding:4px 8px}summary{cursor:pointer}
ul.checks{margin:4px 0;padding-left:18px}.empty{color:#6b7580}
`;

const SCRIPT = `
document.getElementById('only-failed').addEventListener('change', (e) => {
  for (const row of document.querySelectorAll('tr[data-passed]')) {
    row.style.display = e.target.checked && row.dataset.passed === 'true' ? 'none' : '';
  }
});
`;

const ms = (v: number | undefined) => (v === undefined ? '–' : `${Math.round(v)}`);
const pct = (r: Rate) => (r.rate === undefined ? '–' : `${(r.rate * 100).toFixed(1)}% (${r.count}/${r.of})`);
const p = (x: Percentiles) => `${ms(x.p50)} / ${ms(x.p95)} / ${ms(x.p99)}`;

function modeTable(modes: ModeSummary[], gainMs: number | undefined): string {
  const row = (label: string, cell: (m: ModeSummary) => string) =>
    `<tr><th>${label}</th>${modes.map((m) => `<td class="num">${cell(m)}</td>`).join('')}</tr>`;
  const head = modes
    .map((m) => `<th style="color:${MODE_COLOURS[m.mode] ?? '#000'}">${escapeHtml(m.mode)}</th>`)
    .join('');
  return `<table class="modes"><tr><th></th>${head}</tr>
${row('calls passed', (m) => `${m.passed}/${m.calls}`)}
${row('TTFA p50 / p95 / p99 (ms)', (m) => p(m.ttfaMs))}
${row('TTFA to heard p50 / p95 / p99 (ms)', (m) => p(m.ttfaHeardMs))}
${row('turn detection p50 / p95 (ms)', (m) => `${ms(m.turnDetectionMs.p50)} / ${ms(m.turnDetectionMs.p95)}`)}
${row(
  'stages p50 (ms)',
  (m) =>
    Object.entries(m.stagesMs)
      .map(([s, v]) => `${s} ${ms(v)}`)
      .join(', ') || '–',
)}
${row('premature replies', (m) => pct(m.prematureReplies))}
${row('false barge-ins', (m) => pct(m.falseBargeIns))}
${row('barge-ins honoured ≤ 200 ms', (m) => pct(m.bargeInSuccess))}
${row('self-responses to echo', (m) => String(m.selfResponses))}
${row('task success', (m) => pct(m.taskSuccess))}
</table>${gainMs === undefined ? '' : `<p>Streaming gain (sequential − streaming median TTFA): <b>${ms(gainMs)} ms</b></p>`}`;
}

function loadTable(modes: ModeSummary[]): string {
  const rows = modes.flatMap((m) =>
    m.ttfaByLoad.map(
      (l) =>
        `<tr><td>${m.mode}</td><td class="num">${l.load}</td><td class="num">${l.n}</td><td class="num">${ms(l.p50)}</td><td class="num">${ms(l.p95)}</td></tr>`,
    ),
  );
  return `<table><tr><th>mode</th><th>calls at once</th><th>turns</th><th>TTFA p50</th><th>TTFA p95</th></tr>${rows.join('')}</table>`;
}

function gainTable(summary: SuiteSummary): string {
  if (summary.gains.length === 0) return '<p class="muted">Only one pipeline ran; use --mode both.</p>';
  const rows = summary.gains.map(
    (g) =>
      `<tr><td>${escapeHtml(g.scenario)}</td><td class="num">${ms(g.streamingP50Ms)}</td><td class="num">${ms(g.sequentialP50Ms)}</td><td class="num">${ms(g.gainMs)}</td></tr>`,
  );
  return `<table><tr><th>scenario</th><th>streaming TTFA p50</th><th>sequential TTFA p50</th><th>gain (ms)</th></tr>${rows.join('')}</table>`;
}

function outcomeTable(results: CallResult[]): string {
  const rows = results.map((r) => {
    const m = r.metrics;
    const ttfa = m?.turns.flatMap((t) => (t.ttfaMs !== undefined ? [Math.round(t.ttfaMs)] : [])) ?? [];
    const failed = r.checks.filter((c) => !c.passed);
    const why = [...(r.error ? [`error: ${r.error}`] : []), ...failed.map((c) => `${c.check}: ${c.detail}`)];
    return `<tr data-passed="${r.passed}"><td>${escapeHtml(r.scenario)}<div class="muted">${escapeHtml(r.description)}</div></td><td>${r.mode}</td><td class="${r.passed ? 'pass' : 'fail'}">${r.passed ? 'pass' : 'FAIL'}</td><td class="num">${ttfa.join(', ') || '–'}</td><td class="num">${m ? m.prematureReplies : '–'}</td><td class="num">${m ? m.falseBargeIns : '–'}</td><td class="num">${m ? `${m.interrupts.filter((i) => i.honoured).length}/${m.interrupts.filter((i) => i.applicable).length}` : '–'}</td><td>${why.map(escapeHtml).join('<br>') || `<span class="muted">${r.checks.length} checks met</span>`}</td></tr>`;
  });
  return `<label><input type="checkbox" id="only-failed"> show only failures</label>
<table class="outcomes"><tr><th>scenario</th><th>mode</th><th>outcome</th><th>TTFA per turn (ms)</th><th>premature</th><th>false barge-in</th><th>barge-in honoured</th><th>checks</th></tr>${rows.join('')}</table>`;
}

function waterfalls(results: CallResult[]): string {
  return results
    .filter((r) => r.metrics && r.metrics.turns.length > 0)
    .map((r) => {
      const turns = r.metrics?.turns ?? [];
      const open = results.indexOf(r) < 2 ? ' open' : '';
      const dialogue = turns
        .map(
          (t) =>
            `<tr><td>${escapeHtml(t.text)}</td><td>${escapeHtml(t.recognizedText ?? '–')}</td><td>${escapeHtml(t.heardText ?? '–')}${t.interrupted ? ' <i>(cut)</i>' : ''}</td><td class="num">${ms(t.ttfaMs)}</td></tr>`,
        )
        .join('');
      return `<details${open}><summary>${escapeHtml(r.scenario)} · ${r.mode} · ${turns.length} turns · <span class="${r.passed ? 'pass' : 'fail'}">${r.passed ? 'pass' : 'FAIL'}</span></summary>${waterfallSvg(turns)}<table class="dialogue"><tr><th>caller said</th><th>session understood</th><th>caller heard</th><th>TTFA</th></tr>${dialogue}</table></details>`;
    })
    .join('');
}

export function renderReport(input: ReportInput): string {
  const { summary, results } = input;
  const series = (key: 'ttfaMs' | 'turnDetectionMs') =>
    summary.modes.map((m) => ({
      name: m.mode,
      values: results
        .filter((r) => r.mode === m.mode)
        .flatMap((r) => r.metrics?.turns ?? [])
        .flatMap((t) => (t[key] !== undefined ? [t[key] as number] : [])),
    }));
  const passed = results.filter((r) => r.passed).length;
  const title = input.title ?? 'Parley evaluation';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="muted">${input.generatedAt.toISOString()} · ${results.length} calls · concurrency ${input.concurrency} · <span class="${passed === results.length ? 'pass' : 'fail'}" id="passed">${passed}/${results.length} passed</span></p>
<h2>Summary: streaming vs sequential</h2>
${modeTable(summary.modes, summary.streamingGainMs)}
<h2>TTFA distribution (true speech end → first agent audio)</h2>
<div class="charts">${histogramSvg(series('ttfaMs'), 'TTFA histogram')}${cdfSvg(series('ttfaMs'), 'TTFA CDF')}${histogramSvg(series('turnDetectionMs'), 'Turn detection latency')}</div>
<h2>Per-scenario streaming gain</h2>
${gainTable(summary)}
<h2>TTFA by load</h2>
${loadTable(summary.modes)}
<h2>Scenarios</h2>
${outcomeTable(results)}
<h2>Per-turn waterfalls</h2>
<p class="muted">From the caller's true speech end: ${stageLegendHtml()}; the black mark is first agent audio.</p>
${waterfalls(results)}
<script>${SCRIPT}</script>
</body></html>
`;
}
