import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { run } from './transcribe.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-transcribe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

function capture(): { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void err.push(args.join(' ')));
  return { out, err };
}

const phrases = join(dir, 'phrases.txt');
writeFileSync(
  phrases,
  [
    'where is my {order|package}',
    'my order number is {1|2|3|4|5|6|7|8|9|0} {1|2|3|4|5|6|7|8|9|0}',
    'cancel my order',
    'yes',
    'no',
  ].join('\n'),
);
const speech = join(dir, 'order.wav');
execFileSync('flite', ['-voice', 'slt', '-t', 'my order number is four two', '-o', speech]);

describe('parley transcribe', () => {
  it('--json prints only JSON with the final text, timed partials and the final latency', async () => {
    const { out } = capture();
    expect(await run([speech, '--lm', phrases, '--cache-dir', join(dir, 'cache'), '--json'])).toBe(0);
    expect(out).toHaveLength(1);
    const result = JSON.parse(out[0] ?? '') as {
      text: string;
      partials: { text: string; atMs: number }[];
      finalLatencyMs: number;
    };
    expect(result.text).toBe('my order number is four two');
    expect(result.partials.length).toBeGreaterThan(0);
    const times = result.partials.map((p) => p.atMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(typeof result.finalLatencyMs).toBe('number');
  });

  it('prints partials as they come, then the final; other sample rates are resampled', async () => {
    const at44k = join(dir, 'order-44k.wav');
    execFileSync('sox', [speech, '-r', '44100', at44k]);
    const { out } = capture();
    expect(await run([at44k, '--lm', phrases, '--cache-dir', join(dir, 'cache')])).toBe(0);
    expect(out.at(-1)).toBe('final: my order number is four two');
    expect(out.slice(0, -1).every((line) => /^partial \d+\.\d\ds: /.test(line))).toBe(true);
    expect(out.length).toBeGreaterThan(1);
  });

  it('fails clearly on a file that is not a WAV, and on bad arguments', async () => {
    const notWav = join(dir, 'notes.txt');
    writeFileSync(notWav, 'hello');
    const { err } = capture();
    expect(await run([notWav])).toBe(1);
    expect(err.join('\n')).toMatch(/WAV/);
    expect(await run([])).toBe(2);
    expect(await run([speech, '--bogus'])).toBe(2);
    expect(await run([speech, '--lm', join(dir, 'no-such-model.lm')])).toBe(1);
    expect(err.join('\n')).toMatch(/no-such-model\.lm/);
  });
});
