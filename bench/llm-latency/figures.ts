/** Figures of the LLM-latency bench from call results and the simulator's own request log. */
import { ClauseBuffer } from '../../src/conversation/clause-buffer.js';
import { simTokens } from '../../src/engines/sim/latency.js';
import type { SimRequestRecord } from '../../src/engines/sim/server.js';
import { percentile } from '../../src/eval/metrics.js';
import type { CallResult, PipelineMode } from '../../src/eval/runner.js';

export const p = (values: number[], q: number) => percentile(values, q);

/** TTFA of every answered caller turn in `mode`. */
export function ttfas(results: CallResult[], mode: PipelineMode): number[] {
  return results
    .filter((r) => r.mode === mode)
    .flatMap((r) => r.metrics?.turns ?? [])
    .flatMap((t) => (t.ttfaMs !== undefined ? [t.ttfaMs] : []));
}

/** Sequential minus streaming TTFA of the same turn of the same call (both answered). */
export function pairedGains(results: CallResult[]): number[] {
  const byTurn = new Map<string, number>();
  for (const r of results.filter((x) => x.mode === 'streaming')) {
    for (const t of r.metrics?.turns ?? []) {
      if (t.ttfaMs !== undefined) byTurn.set(`${r.scenario}#${t.turnIndex}`, t.ttfaMs);
    }
  }
  return results
    .filter((r) => r.mode === 'sequential')
    .flatMap((r) =>
      (r.metrics?.turns ?? []).flatMap((t) => {
        const s = byTurn.get(`${r.scenario}#${t.turnIndex}`);
        return s !== undefined && t.ttfaMs !== undefined ? [t.ttfaMs - s] : [];
      }),
    );
}

/**
 * What streaming can win from the LLM alone on each spoken answer: the time from the token that
 * completes the first clause (the clause buffer sees the character after its punctuation) to
 * the reply's last token, on the simulator's own schedule for that request.
 */
export function llmBounds(requests: readonly SimRequestRecord[]): number[] {
  return requests
    .filter((r) => r.text.trim() !== '' && r.status === 'done')
    .map((r) => {
      const tokens = simTokens(r.text);
      const buffer = new ClauseBuffer();
      let firstClause = tokens.length - 1;
      for (const [i, token] of tokens.entries()) {
        if (buffer.push(token).length > 0) {
          firstClause = i;
          break;
        }
      }
      const at = r.plan.tokenAtMs;
      return (at[tokens.length - 1] ?? 0) - (at[firstClause] ?? 0);
    });
}

/** Filler events per answered caller turn, as `count/turns`. */
export function fillers(results: CallResult[]): { count: number; turns: number } {
  const metrics = results.flatMap((r) => (r.metrics ? [r.metrics] : []));
  return {
    count: metrics.reduce((n, m) => n + m.fillers, 0),
    turns: metrics.reduce((n, m) => n + m.turns.filter((t) => t.ttfaMs !== undefined).length, 0),
  };
}

/** "passed/calls" with the first failure reason, so a broken conversation shows in the figures. */
export function passed(results: CallResult[]): string {
  const ok = results.filter((r) => r.passed).length;
  return `${ok}/${results.length}`;
}

export function failures(results: CallResult[]): string[] {
  return results
    .filter((r) => !r.passed)
    .map((r) => {
      const why = r.checks.filter((c) => !c.passed).map((c) => `${c.check}: ${c.detail}`);
      return `${r.scenario} (${r.mode}): ${r.error ?? why.join('; ')}`;
    });
}

export const ms = (v: number | undefined) => (v === undefined ? '–' : `${Math.round(v)}`);

/** A plain text table: header row, a rule, the rows; columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
