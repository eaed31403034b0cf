/** Inline SVG charts for the eval report: TTFA histogram, TTFA CDF, per-turn waterfalls. */
import { STAGES, type Stage, stageDurations } from './aggregate.js';
import type { TurnMetrics } from './metrics.js';

export const MODE_COLOURS: Record<string, string> = { streaming: '#2f6fdb', sequential: '#d9822b' };
const STAGE_COLOURS: Record<Stage, string> = {
  detect: '#7b8794',
  stt: '#8e6bd8',
  brain: '#d8556b',
  clause: '#e0a33a',
  tts: '#3aa17e',
  playout: '#2f6fdb',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / step) * step;
}

interface Series {
  name: string;
  values: number[];
}

const W = 560;
const H = 240;
const PAD = { left: 44, right: 12, top: 12, bottom: 34 };

function axes(xMax: number, yMax: number, xLabel: string, yFormat: (v: number) => string): string {
  const parts: string[] = [];
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  for (let i = 0; i <= 5; i++) {
    const x = PAD.left + (plotW * i) / 5;
    const y = PAD.top + plotH - (plotH * i) / 5;
    parts.push(`<line x1="${x}" y1="${PAD.top}" x2="${x}" y2="${PAD.top + plotH}" class="grid"/>`);
    parts.push(
      `<text x="${x}" y="${H - PAD.bottom + 14}" text-anchor="middle">${Math.round((xMax * i) / 5)}</text>`,
    );
    parts.push(`<line x1="${PAD.left}" y1="${y}" x2="${PAD.left + plotW}" y2="${y}" class="grid"/>`);
    parts.push(`<text x="${PAD.left - 4}" y="${y + 4}" text-anchor="end">${yFormat((yMax * i) / 5)}</text>`);
  }
  parts.push(
    `<text x="${PAD.left + plotW / 2}" y="${H - 4}" text-anchor="middle">${escapeHtml(xLabel)}</text>`,
  );
  return parts.join('');
}

function legend(series: Series[]): string {
  return series
    .map(
      (s, i) =>
        `<rect x="${W - 150}" y="${PAD.top + i * 16}" width="10" height="10" fill="${MODE_COLOURS[s.name] ?? '#555'}"/>` +
        `<text x="${W - 136}" y="${PAD.top + 9 + i * 16}">${escapeHtml(s.name)} (n=${s.values.length})</text>`,
    )
    .join('');
}

/** Side-by-side bars per mode over shared bins. */
export function histogramSvg(series: Series[], title: string): string {
  const all = series.flatMap((s) => s.values);
  if (all.length === 0) return `<p class="empty">${escapeHtml(title)}: no data</p>`;
  const xMax = niceMax(Math.max(...all));
  const bins = 20;
  const binW = xMax / bins;
  const counts = series.map((s) => {
    const c = new Array<number>(bins).fill(0);
    for (const v of s.values) {
      const bin = Math.min(bins - 1, Math.max(0, Math.floor(v / binW)));
      c[bin] = (c[bin] ?? 0) + 1;
    }
    return c;
  });
  // Counts are whole numbers: a multiple of 5 keeps the five gridlines on integers.
  const yMax = Math.max(5, Math.ceil(Math.max(...counts.flat()) / 5) * 5);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const barW = plotW / bins / Math.max(1, series.length);
  const bars: string[] = [];
  counts.forEach((c, si) => {
    const colour = MODE_COLOURS[series[si]?.name ?? ''] ?? '#555';
    c.forEach((n, bi) => {
      if (n === 0) return;
      const h = (plotH * n) / yMax;
      const x = PAD.left + (plotW * bi) / bins + si * barW;
      bars.push(
        `<rect x="${x.toFixed(1)}" y="${(PAD.top + plotH - h).toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${colour}"><title>${Math.round(bi * binW)}–${Math.round((bi + 1) * binW)} ms: ${n}</title></rect>`,
      );
    });
  });
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg class="chart" data-chart="histogram" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">${axes(xMax, yMax, 'ms', (v) => String(Math.round(v)))}${bars.join('')}${legend(series)}</svg></figure>`;
}

/** Cumulative distribution per mode as step lines. */
export function cdfSvg(series: Series[], title: string): string {
  const all = series.flatMap((s) => s.values);
  if (all.length === 0) return `<p class="empty">${escapeHtml(title)}: no data</p>`;
  const xMax = niceMax(Math.max(...all));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const lines = series.map((s) => {
    const sorted = [...s.values].sort((a, b) => a - b);
    const points: string[] = [`${PAD.left},${PAD.top + plotH}`];
    sorted.forEach((v, i) => {
      const x = PAD.left + (plotW * v) / xMax;
      const yBefore = PAD.top + plotH - (plotH * i) / sorted.length;
      const yAfter = PAD.top + plotH - (plotH * (i + 1)) / sorted.length;
      points.push(`${x.toFixed(1)},${yBefore.toFixed(1)}`, `${x.toFixed(1)},${yAfter.toFixed(1)}`);
    });
    points.push(`${PAD.left + plotW},${PAD.top}`);
    const colour = MODE_COLOURS[s.name] ?? '#555';
    return `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.join(' ')}"/>`;
  });
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg class="chart" data-chart="cdf" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">${axes(xMax, 1, 'ms', (v) => `${Math.round(v * 100)}%`)}${lines.join('')}${legend(series)}</svg></figure>`;
}

/** One row per caller turn: the stages from true speech end to first agent audio, as stacked bars. */
export function waterfallSvg(turns: TurnMetrics[]): string {
  const rows = turns.filter((t) => t.marks || t.ttfaMs !== undefined);
  if (rows.length === 0) return '<p class="empty">no turns with timing marks</p>';
  const spans = rows.map((t) => Math.max(t.ttfaMs ?? 0, ...Object.values(t.marks ?? {})));
  const xMax = niceMax(Math.max(100, ...spans));
  const rowH = 18;
  const labelW = 220;
  const plotW = W - labelW - 60;
  const height = rows.length * rowH + 24;
  const scale = (ms: number) => labelW + (plotW * Math.max(0, ms)) / xMax;
  const parts: string[] = [];
  rows.forEach((t, i) => {
    const y = i * rowH + 4;
    const label = t.text.length > 34 ? `${t.text.slice(0, 33)}…` : t.text;
    parts.push(`<text x="${labelW - 6}" y="${y + 12}" text-anchor="end">${escapeHtml(label)}</text>`);
    const d = stageDurations(t.marks ?? {});
    let at = 0;
    for (const s of STAGES) {
      const len = d[s];
      if (len === undefined || len <= 0) continue;
      const x = scale(at);
      const w = Math.max(1, scale(at + len) - x);
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${STAGE_COLOURS[s]}"><title>${s}: ${Math.round(len)} ms</title></rect>`,
      );
      at += len;
    }
    if (t.ttfaMs !== undefined) {
      const x = scale(t.ttfaMs);
      parts.push(
        `<line x1="${x}" y1="${y - 1}" x2="${x}" y2="${y + rowH - 5}" stroke="#111" stroke-width="2"/>`,
      );
      parts.push(`<text x="${x + 4}" y="${y + 12}">${Math.round(t.ttfaMs)} ms</text>`);
    }
  });
  const axis = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (f) =>
        `<text x="${scale(xMax * f)}" y="${height - 4}" text-anchor="middle">${Math.round(xMax * f)}</text>`,
    )
    .join('');
  return `<svg class="waterfall" data-chart="waterfall" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}">${parts.join('')}${axis}</svg>`;
}

export function stageLegendHtml(): string {
  return STAGES.map((s) => `<span class="swatch" style="background:${STAGE_COLOURS[s]}"></span>${s}`).join(
    ' ',
  );
}
