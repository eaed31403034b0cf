import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { summarizeSuite } from './aggregate.js';
import { computeCallMetrics } from './metrics.js';
import type { AgentFrameRecord, CallRecording } from './recording.js';
import { renderReport } from './report-html.js';
import type { CallResult, PipelineMode } from './runner.js';

const OUT_DIR = resolve('test-output/eval');

function speaking(fromMs: number, toMs: number): AgentFrameRecord[] {
  const frames: AgentFrameRecord[] = [];
  for (let t = fromMs; t < toMs; t += 20) frames.push({ atMs: t, durationMs: 20 });
  return frames;
}

/** A two-turn call whose agent answers `ttfaMs` after each true speech end, with full trace marks. */
function result(scenario: string, mode: PipelineMode, ttfaMs: number, passed: boolean): CallResult {
  const turns = [
    { start: 500, end: 2000 },
    { start: 7000, end: 8200 },
  ];
  const rec: CallRecording = {
    scenario,
    mode,
    originMs: 0,
    endMs: 14_000,
    minInterruptionMs: 300,
    callerTurns: turns.map((t, index) => ({
      index,
      kind: 'turn' as const,
      text: `caller turn ${index + 1} of ${scenario}`,
      startMs: t.start,
      endMs: t.end,
      pauses: [],
    })),
    sounds: [],
    interrupts: [],
    silences: [],
    waits: [],
    agentFrames: turns.flatMap((t) => speaking(t.end + ttfaMs, t.end + ttfaMs + 3000)),
    events: turns.map((t, i) => ({
      type: 'turn_committed' as const,
      turnId: i + 1,
      text: 'x',
      reason: 'complete',
      atMs: t.end + 200,
    })),
    traces: turns.map((t, i) => ({
      turnId: i + 1,
      userText: 'x',
      agentText: 'Order four two one nine is in transit.',
      heardText: 'Order four two one nine is in transit.',
      interrupted: false,
      discardedText: '',
      tools: [],
      marks: {
        speechEnd: t.end + 30,
        committed: t.end + 200,
        sttFinal: t.end + 230,
        brainFirstToken: t.end + 240,
        firstClause: t.end + 250,
        ttsFirstAudio: t.end + ttfaMs - 20,
        playoutStart: t.end + ttfaMs,
      },
    })),
    history: [],
    loadAtTurnEnd: [1, 2],
    micTrack: new Int16Array(0),
    agentTrack: new Int16Array(0),
  };
  const checks = [{ check: 'agent says "4219"', passed, detail: passed ? 'seen' : 'heard: "Sorry?"' }];
  return {
    scenario,
    description: 'constructed',
    tags: [],
    mode,
    channel: 'wideband',
    passed,
    checks,
    metrics: computeCallMetrics(rec),
  };
}

describe('HTML report', () => {
  it('renders outcomes, TTFA charts, waterfalls and streaming vs sequential in headless Chromium', async () => {
    const results = ['track-simple', 'pause-mid-number', 'cough-during-agent'].flatMap((name, i) => [
      result(name, 'streaming', 300 + i * 40, true),
      result(name, 'sequential', 750 + i * 60, i !== 2),
    ]);
    const html = renderReport({
      generatedAt: new Date(),
      concurrency: 2,
      results,
      summary: summarizeSuite(results),
    });
    expect(html).not.toMatch(/<(link|img)\b|src="http|href="http/);
    mkdirSync(OUT_DIR, { recursive: true });
    const file = join(OUT_DIR, 'report.html');
    writeFileSync(file, html);

    const profile = mkdtempSync(join(tmpdir(), 'parley-eval-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      viewport: { width: 1200, height: 900 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await context.newPage();
      await page.goto(`file://${file}`);
      expect(await page.locator('#passed').textContent()).toBe('5/6 passed');
      expect(await page.locator('table.outcomes tr[data-passed]').count()).toBe(6);
      expect(await page.locator('table.outcomes td.fail').count()).toBe(1);
      expect(await page.locator('svg[data-chart="histogram"] rect[fill="#2f6fdb"]').count()).toBeGreaterThan(
        0,
      );
      expect(await page.locator('svg[data-chart="histogram"] rect[fill="#d9822b"]').count()).toBeGreaterThan(
        0,
      );
      expect(await page.locator('svg[data-chart="cdf"] polyline').count()).toBe(2);
      expect(await page.locator('svg[data-chart="waterfall"]').count()).toBe(6);
      const modes = await page.locator('table.modes').textContent();
      expect(modes).toMatch(/streaming/);
      expect(modes).toMatch(/sequential/);
      expect(await page.locator('body').textContent()).toMatch(/Streaming gain .*\d+ ms/);
      // The filter hides passing rows.
      await page.locator('#only-failed').check();
      expect(await page.locator('table.outcomes tr[data-passed]:visible').count()).toBe(1);
      await page.locator('#only-failed').uncheck();
      await page.screenshot({ path: join(OUT_DIR, 'report.png'), fullPage: true });
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
