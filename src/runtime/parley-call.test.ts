import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_SAMPLE_RATE } from '../audio/frame.js';
import { writeWavFile } from '../audio/wav.js';
import type { CallTurnJson } from '../cli/call.js';
import { type CallerAudio, composeCaller } from './caller-audio.js';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '..', '..', 'bin', 'parley.js');

/**
 * `parley call` with the real embedded engines (Silero VAD, pocketsphinx with the package
 * tracker's domain model, flite), on a caller generated with another flite voice, in real time.
 */
describe('parley call on a recorded caller', () => {
  let dir: string;
  let turns: CallTurnJson[];
  let stereo: Buffer;
  let callerMs: number;
  let lines: CallerAudio['lines'];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-call-'));
    const caller = await composeCaller({
      voice: 'rms',
      parts: [
        { pauseMs: 500 },
        'Hi.',
        // Long enough for the agent's hello to finish: only the later interruption is wanted.
        { pauseMs: 3500 },
        'Where is my order number four two one nine?',
        // The agent answers within a second; the caller cuts in over the answer.
        { pauseMs: 1800 },
        'Can you text me the tracking link?',
        // The link needs the caller check (issue 15, finding 5): the agent asks for the postcode.
        { pauseMs: 7000 },
        'Three five eight one two.',
        { pauseMs: 4000 },
      ],
    });
    callerMs = (caller.samples.length * 1000) / SESSION_SAMPLE_RATE;
    lines = caller.lines;
    const input = join(dir, 'caller.wav');
    writeWavFile(input, caller.samples, SESSION_SAMPLE_RATE);
    const output = join(dir, 'call.wav');
    const { stdout } = await run(
      'node',
      [cli, 'call', input, '--json', '-o', output, '--data-dir', join(dir, 'data'), '--max-tail-ms', '15000'],
      { timeout: 90_000 },
    );
    turns = (JSON.parse(stdout) as { turns: CallTurnJson[] }).turns;
    stereo = await readFile(output);
  }, 120_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('looks the order up with the spoken number and speaks its status', () => {
    const lookup = turns.find((t) => t.tools.some((tool) => tool.name === 'get_order_status'));
    expect(lookup, JSON.stringify(turns, null, 1)).toBeDefined();
    expect(lookup?.tools).toContainEqual({
      name: 'get_order_status',
      args: { order_number: '4219' },
      status: 'executed',
    });
    expect(lookup?.agentText).toMatch(/^Order four two one nine is in transit/);
  });

  it('stops where the caller interrupted, and keeps only what was heard', () => {
    const lookup = turns.find((t) => t.tools.some((tool) => tool.name === 'get_order_status'));
    expect(lookup?.interrupted).toBe(true);
    expect(lookup?.heardText.length).toBeLessThan(lookup?.agentText.length ?? 0);
    expect(lookup?.agentText.startsWith(lookup?.heardText ?? '∅')).toBe(true);
  });

  it('answers the interruption with the remembered order number, after the postcode check', () => {
    const ask = turns.find((t) => /tracking link/i.test(t.userText));
    expect(ask?.agentText).toMatch(/postcode on order four two one nine\?$/);
    const link = turns.find((t) => t.tools.some((tool) => tool.name === 'send_tracking_link'));
    expect(link?.tools).toContainEqual({
      name: 'verify_caller',
      args: { order_number: '4219', postcode: '35812' },
      status: 'executed',
    });
    expect(link?.tools).toContainEqual({
      name: 'send_tracking_link',
      args: { order_number: '4219' },
      status: 'executed',
    });
  });

  it('marks every turn from speech end to first audio', () => {
    expect(turns.length).toBeGreaterThanOrEqual(3);
    for (const turn of turns) {
      expect(turn.marks.speechEnd).toBeTypeOf('number');
      expect(turn.marks.committed).toBeGreaterThanOrEqual(turn.marks.speechEnd as number);
      expect(turn.marks.playoutStart).toBeGreaterThan(turn.marks.committed as number);
      expect(
        Math.abs((turn.ttfaMs as number) - (turn.marks.playoutStart! - turn.marks.speechEnd!)),
      ).toBeLessThan(0.2);
    }
  });

  it('puts the marks on the recording timeline: speech end lands where the caller stopped', () => {
    const lookup = turns.find((t) => t.tools.some((tool) => tool.name === 'get_order_status'));
    const question = lines.find((l) => l.text.startsWith('Where is my order'));
    expect(Math.abs((lookup?.marks.speechEnd as number) - (question?.speechEndMs as number))).toBeLessThan(
      500,
    );
  });

  it('writes the call as stereo, caller left and agent right, at least as long as the caller', () => {
    expect(stereo.toString('ascii', 0, 4)).toBe('RIFF');
    expect(stereo.readUInt16LE(22)).toBe(2);
    expect(stereo.readUInt32LE(24)).toBe(SESSION_SAMPLE_RATE);
    const dataBytes = stereo.length - 44;
    expect((dataBytes / 4 / SESSION_SAMPLE_RATE) * 1000).toBeGreaterThanOrEqual(callerMs);
    // The agent channel carries speech: some right-channel samples are loud.
    let loud = 0;
    for (let i = 44 + 2; i + 1 < stereo.length; i += 4) if (Math.abs(stereo.readInt16LE(i)) > 3000) loud++;
    expect(loud).toBeGreaterThan(SESSION_SAMPLE_RATE / 10);
  });
});

describe('parley call with bad input', () => {
  it('names the missing file and exits with a usage error', async () => {
    const err = await run('node', [cli, 'call', '/nonexistent/caller.wav'], { timeout: 30_000 }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(err).toMatchObject({ code: 2 });
    expect((err as { stderr: string }).stderr).toContain('no such file: /nonexistent/caller.wav');
  });

  it('refuses a file that is not a WAV with a clear error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-call-bad-'));
    try {
      const path = join(dir, 'notes.wav');
      await writeFile(path, 'these are not samples');
      const err = await run('node', [cli, 'call', path], { timeout: 30_000 }).catch(
        (e: { code: number; stderr: string }) => e,
      );
      expect(err).toMatchObject({ code: 1 });
      expect((err as { stderr: string }).stderr).toMatch(/parley: .*(RIFF|WAV)/i);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
