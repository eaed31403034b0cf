import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { dbfs } from '../audio/level.js';
import { readWavFile } from '../audio/wav.js';
import { run } from './say.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-say-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parley say', () => {
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  vi.spyOn(console, 'error').mockImplementation(() => undefined);

  it('writes a readable 16 kHz WAV of the spoken text', async () => {
    const out = join(dir, 'slt.wav');
    expect(await run(['Your package left the depot and should arrive on Friday.', '-o', out])).toBe(0);
    const wav = readWavFile(out);
    expect(wav.sampleRate).toBe(16_000);
    expect(wav.samples.length / wav.sampleRate).toBeGreaterThan(2);
    expect(wav.samples.length / wav.sampleRate).toBeLessThan(6);
    expect(dbfs(wav.samples)).toBeGreaterThan(-35);
  });

  it('honours --voice and --rate', async () => {
    const normal = join(dir, 'espeak.wav');
    const fast = join(dir, 'espeak-fast.wav');
    expect(await run(['The driver will call first.', '-o', normal, '--voice', 'espeak'])).toBe(0);
    expect(await run(['The driver will call first.', '-o', fast, '--voice', 'espeak', '--rate', '1.6'])).toBe(
      0,
    );
    expect(readWavFile(fast).samples.length).toBeLessThan(readWavFile(normal).samples.length * 0.85);
  });

  it('refuses bad arguments with exit code 2', async () => {
    expect(await run(['hello'])).toBe(2);
    expect(await run(['-o', join(dir, 'x.wav')])).toBe(2);
    expect(await run(['hello', '-o', join(dir, 'x.wav'), '--voice', 'bob'])).toBe(2);
    expect(await run(['hello', '-o', join(dir, 'x.wav'), '--rate', 'fast'])).toBe(2);
    expect(await run(['hello', '--bogus'])).toBe(2);
  });
});
