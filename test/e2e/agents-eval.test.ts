/**
 * Every shipped agent's fast scenarios as real calls on the embedded stack, in real time. They
 * live in the end-to-end suite, which runs one file at a time, so no other test competes with
 * their real-time compute on a two-core machine.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { SuiteSummary } from '../../src/eval/aggregate.js';
import type { CallResult } from '../../src/eval/runner.js';

const run = promisify(execFile);

interface EvalJson {
  concurrency: number;
  summary: SuiteSummary;
  results: CallResult[];
}

async function evalCi(agent: string, concurrency: number): Promise<EvalJson> {
  const { stdout } = await run(
    process.execPath,
    [
      'bin/parley.js',
      'eval',
      '--agent',
      agent,
      '--tags',
      'ci',
      '--concurrency',
      String(concurrency),
      '--json',
    ],
    { timeout: 300_000, maxBuffer: 32 * 1024 * 1024 },
  ).catch((err: { stdout?: string; stderr?: string; code?: number }) => {
    // Exit code 1 means an expectation failed: show which, from the JSON it still printed.
    if (err.stdout) return { stdout: err.stdout };
    throw new Error(`parley eval failed (exit ${err.code}): ${err.stderr}`);
  });
  return JSON.parse(stdout) as EvalJson;
}

function failures(out: EvalJson): string[] {
  return out.results
    .filter((r) => !r.passed)
    .map(
      (r) =>
        `${r.scenario}: ${r.error ?? ''} ${r.checks
          .filter((c) => !c.passed)
          .map((c) => `${c.check} (${c.detail})`)
          .join('; ')}`,
    );
}

describe('parley eval --tags ci (real calls on the embedded stack)', () => {
  it('package tracker: the fast subset meets every expectation, two calls at once', async () => {
    const out = await evalCi('package-tracker', 2);
    expect(failures(out)).toEqual([]);
    expect(out.results.length).toBeGreaterThanOrEqual(5);
    // Every caller turn was answered, so every turn has a TTFA against its true speech end.
    for (const r of out.results) {
      expect(r.metrics?.turns.length, r.scenario).toBeGreaterThan(0);
      for (const t of r.metrics?.turns ?? []) expect(t.ttfaMs, `${r.scenario}: ${t.text}`).toBeGreaterThan(0);
    }
    const [streaming] = out.summary.modes;
    expect(streaming?.bargeInSuccess.count).toBeGreaterThanOrEqual(1);
    expect(streaming?.falseBargeIns.count).toBe(0);
    expect(streaming?.prematureReplies.count).toBe(0);
  }, 320_000);

  for (const agent of ['voice-mirror', 'store-controller', 'roleplay-support']) {
    it(`${agent}: its own fast scenarios meet every expectation`, async () => {
      const out = await evalCi(agent, 1);
      expect(failures(out)).toEqual([]);
      expect(out.results.length).toBeGreaterThanOrEqual(1);
      const [streaming] = out.summary.modes;
      expect(streaming?.prematureReplies.count).toBe(0);
    }, 320_000);
  }
});

describe('parley eval --channel both', () => {
  it('runs the same calls over a wideband line and a phone line (8 kHz μ-law) and reports them side by side', async () => {
    const { stdout } = await run(
      process.execPath,
      ['bin/parley.js', 'eval', '--only', 'track-simple', '--channel', 'both', '--json'],
      { timeout: 300_000, maxBuffer: 32 * 1024 * 1024 },
    ).catch((err: { stdout?: string; stderr?: string; code?: number }) => {
      // Exit 1: an expectation failed on one line; the JSON still tells which.
      if (err.stdout) return { stdout: err.stdout };
      throw new Error(`parley eval failed (exit ${err.code}): ${err.stderr}`);
    });
    const out = JSON.parse(stdout) as {
      channels: Record<string, { summary: SuiteSummary; results: CallResult[] }>;
    };
    expect(Object.keys(out.channels)).toEqual(['wideband', 'phone']);
    const wideband = out.channels.wideband;
    const phone = out.channels.phone;
    expect(wideband?.results.map((r) => [r.scenario, r.channel, r.passed])).toEqual([
      ['track-simple', 'wideband', true],
    ]);
    // The phone line's call ran and was measured with the same metrics, whatever the recognizer made of it.
    expect(phone?.results.map((r) => [r.scenario, r.channel])).toEqual([['track-simple', 'phone']]);
    expect(phone?.summary.modes[0]?.calls).toBe(1);
    expect(phone?.results[0]?.metrics?.turns.length).toBeGreaterThan(0);
  });
});
