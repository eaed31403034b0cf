import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { SuiteSummary } from './aggregate.js';
import type { CallResult } from './runner.js';

const run = promisify(execFile);

interface EvalJson {
  concurrency: number;
  summary: SuiteSummary;
  results: CallResult[];
}

describe('parley eval usage', () => {
  it('refuses an invalid scenario file with the bad field and exit code 2, before loading any engine', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-eval-cli-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'name: bad\nsteps:\n  - noise: { kind: thunder }\n');
    const failure = await run(process.execPath, ['bin/parley.js', 'eval', '--suite', file]).then(
      () => undefined,
      (err: { code?: number; stderr?: string }) => err,
    );
    rmSync(dir, { recursive: true, force: true });
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toMatch(/steps\[0\]\.noise\.kind/);
  });
});

describe('parley eval --tags ci (real calls on the embedded stack)', () => {
  it('runs the fast subset in real time and every scenario meets its expectations', async () => {
    const { stdout } = await run(
      process.execPath,
      ['bin/parley.js', 'eval', '--tags', 'ci', '--concurrency', '2', '--json'],
      { timeout: 170_000, maxBuffer: 32 * 1024 * 1024 },
    ).catch((err: { stdout?: string; stderr?: string; code?: number }) => {
      // Exit code 1 means an expectation failed: show which, from the JSON it still printed.
      if (err.stdout) return { stdout: err.stdout };
      throw new Error(`parley eval failed (exit ${err.code}): ${err.stderr}`);
    });
    const out = JSON.parse(stdout) as EvalJson;
    const failures = out.results
      .filter((r) => !r.passed)
      .map(
        (r) =>
          `${r.scenario}: ${r.error ?? ''} ${r.checks
            .filter((c) => !c.passed)
            .map((c) => `${c.check} (${c.detail})`)
            .join('; ')}`,
      );
    expect(failures).toEqual([]);
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
  }, 180_000);
});
