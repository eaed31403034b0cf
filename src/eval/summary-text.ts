/** The eval summary as plain text for a terminal, and a TTY-aware progress line. */
import type { ModeSummary, Percentiles, Rate, SuiteSummary } from './aggregate.js';
import type { CallResult } from './runner.js';

const ms = (v: number | undefined) => (v === undefined ? '–' : `${Math.round(v)}`);
const pct = (r: Rate) => (r.rate === undefined ? '–' : `${(r.rate * 100).toFixed(1)}% (${r.count}/${r.of})`);
const p3 = (x: Percentiles) => `${ms(x.p50)}/${ms(x.p95)}/${ms(x.p99)} (n=${x.n})`;

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function formatSummary(results: CallResult[], summary: SuiteSummary): string {
  const callRows: string[][] = [['scenario', 'mode', 'outcome', 'TTFA ms', 'why']];
  for (const r of results) {
    const ttfa =
      r.metrics?.turns.flatMap((t) => (t.ttfaMs !== undefined ? [Math.round(t.ttfaMs)] : [])) ?? [];
    const why = [
      ...(r.error ? [r.error] : []),
      ...r.checks.filter((c) => !c.passed).map((c) => `${c.check}: ${c.detail}`),
    ];
    callRows.push([
      r.scenario,
      r.mode,
      r.passed ? 'pass' : 'FAIL',
      ttfa.join(',') || '–',
      why.join(' | ').slice(0, 160),
    ]);
  }
  const modes = summary.modes;
  const row = (label: string, f: (m: ModeSummary) => string) => [label, ...modes.map(f)];
  const modeRows = [
    ['', ...modes.map((m) => m.mode)],
    row('passed', (m) => `${m.passed}/${m.calls}`),
    row('TTFA p50/p95/p99 ms', (m) => p3(m.ttfaMs)),
    row('TTFA heard p50/p95/p99', (m) => p3(m.ttfaHeardMs)),
    row('turn detection p50/p95', (m) => `${ms(m.turnDetectionMs.p50)}/${ms(m.turnDetectionMs.p95)}`),
    row(
      'stages p50 ms',
      (m) =>
        Object.entries(m.stagesMs)
          .map(([s, v]) => `${s} ${ms(v)}`)
          .join(' ') || '–',
    ),
    row('premature replies', (m) => pct(m.prematureReplies)),
    row('false barge-ins', (m) => pct(m.falseBargeIns)),
    row('barge-ins honoured', (m) => pct(m.bargeInSuccess)),
    row('echo self-responses', (m) => String(m.selfResponses)),
    row('task success', (m) => pct(m.taskSuccess)),
  ];
  const lines = [table(callRows), '', table(modeRows)];
  const loads = modes.flatMap((m) =>
    m.ttfaByLoad.map((l) => [m.mode, String(l.load), String(l.n), ms(l.p50), ms(l.p95)]),
  );
  if (loads.length > 0)
    lines.push('', table([['mode', 'calls at once', 'turns', 'TTFA p50', 'TTFA p95'], ...loads]));
  if (summary.streamingGainMs !== undefined) {
    lines.push('', `streaming gain (sequential − streaming median TTFA): ${ms(summary.streamingGainMs)} ms`);
  }
  return `${lines.join('\n')}\n`;
}

/** The same suite over several lines (wideband, phone), side by side per pipeline mode. */
export function formatChannels(runs: { channel: string; summary: SuiteSummary }[]): string {
  const rows = [
    ['channel', 'mode', 'passed', 'task success', 'TTFA p50', 'TTFA p95', 'turn detection p50', 'premature'],
  ];
  for (const { channel, summary } of runs) {
    for (const m of summary.modes) {
      rows.push([
        channel,
        m.mode,
        `${m.passed}/${m.calls}`,
        pct(m.taskSuccess),
        ms(m.ttfaMs.p50),
        ms(m.ttfaMs.p95),
        ms(m.turnDetectionMs.p50),
        pct(m.prematureReplies),
      ]);
    }
  }
  return `\n${table(rows)}\n`;
}

/** Progress on stderr: a redrawn bar on a terminal, one line per finished call otherwise. */
export class Progress {
  private done = 0;
  private readonly running = new Set<string>();

  constructor(
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  start(name: string): void {
    this.running.add(name);
    this.draw();
  }

  finish(name: string, passed: boolean): void {
    this.running.delete(name);
    this.done++;
    if (this.out.isTTY) this.draw();
    else this.out.write(`eval: ${this.done}/${this.total} ${name} ${passed ? 'pass' : 'FAIL'}\n`);
  }

  end(): void {
    if (this.out.isTTY) this.out.write('\n');
  }

  private draw(): void {
    if (!this.out.isTTY) return;
    const width = 24;
    const filled = Math.round((width * this.done) / Math.max(1, this.total));
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const now = [...this.running].join(', ');
    const line = `${bar} ${this.done}/${this.total} ${now}`;
    const cols = this.out.columns ?? 100;
    this.out.write(`\r${line.slice(0, cols - 1).padEnd(cols - 1)}`);
  }
}
