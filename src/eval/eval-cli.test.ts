import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

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

  it('refuses an unknown channel with exit code 2', async () => {
    const failure = await run(process.execPath, ['bin/parley.js', 'eval', '--channel', 'radio']).then(
      () => undefined,
      (err: { code?: number; stderr?: string }) => err,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toMatch(/--channel must be wideband, phone or both, not 'radio'/);
  });
});
