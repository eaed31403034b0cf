/**
 * What a new user does: `npm pack` this repository, install the tarball into a fresh project
 * outside it (with the allowScripts a consumer writes, under --strict-allow-scripts so every
 * install script in the tree must be covered), write a TypeScript agent with one tool against the
 * published types, type-check it, make a caller recording with the installed CLI, run a call and
 * a server on that agent.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AGENT_TS,
  describeRun,
  killGroup,
  ROOT,
  type RunResult,
  run,
  TSCONFIG_JSON,
  userEnv,
} from './package-helpers.js';

const INSTALL_TIMEOUT_MS = 6 * 60_000;
const API_KEY = 'package-test-key';

let work = '';
let app = '';
let installed: RunResult | undefined;
const servers: ChildProcess[] = [];

beforeAll(
  async () => {
    work = mkdtempSync(join(tmpdir(), 'parley-package-'));
    const packDir = join(work, 'pack');
    app = join(work, 'app');
    mkdirSync(packDir);
    mkdirSync(app);

    // npm pack runs prepack (dist/ and web/dist), like `npm publish` would.
    const packed = await run('npm', ['pack', '--pack-destination', packDir], {
      cwd: ROOT,
      timeoutMs: 3 * 60_000,
    });
    if (packed.code !== 0) throw new Error(describeRun('npm pack', packed));
    console.log(`package test: npm pack (with prepack build) took ${(packed.ms / 1000).toFixed(1)} s`);
    const tgz = readdirSync(packDir).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`npm pack wrote no tarball into ${packDir}`);
    const tarball = join(packDir, tgz);

    writeFileSync(
      join(app, 'package.json'),
      `${JSON.stringify(
        {
          name: 'shop-hours',
          private: true,
          type: 'module',
          // What a consumer writes: better-sqlite3 compiles at install, parley-voice builds its
          // addons against Debian's pocketsphinx and flite, esbuild (under tsx) checks its
          // binary; onnxruntime-node's script would only fetch GPU binaries from NuGet.
          // Installed from the registry, the key is just "parley-voice".
          allowScripts: {
            'better-sqlite3': true,
            esbuild: true,
            [`file:${tarball}`]: true,
            'onnxruntime-node': false,
          },
        },
        null,
        2,
      )}\n`,
    );
    installed = await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--strict-allow-scripts',
        tarball,
        'typescript@5.9',
        'zod',
      ],
      { cwd: app, timeoutMs: INSTALL_TIMEOUT_MS },
    );
    console.log(`package test: npm install took ${(installed.ms / 1000).toFixed(1)} s`);
  },
  INSTALL_TIMEOUT_MS + 4 * 60_000,
);

afterAll(async () => {
  for (const server of servers) killGroup(server, 'SIGKILL');
  if (servers.length > 0) await new Promise((r) => setTimeout(r, 500));
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('parley-voice installed from its tarball', () => {
  it('installs, building its native addons', () => {
    expect(installed?.code, installed && describeRun('npm install', installed)).toBe(0);
    const addons = ['pocketsphinx', 'flite'].map((name) =>
      join(app, 'node_modules', 'parley-voice', 'native', name, 'build', 'Release', `${name}.node`),
    );
    for (const addon of addons) expect(existsSync(addon), addon).toBe(true);
  });

  it('prints its version', async () => {
    const r = await run('npx', ['parley', '--version'], { cwd: app, timeoutMs: 60_000 });
    expect(r.code, describeRun('parley --version', r)).toBe(0);
    expect(r.stdout.trim()).toBe('0.1.0');
  });

  it('type-checks an agent written against the exported types', async () => {
    writeFileSync(join(app, 'agent.ts'), AGENT_TS);
    writeFileSync(join(app, 'tsconfig.json'), TSCONFIG_JSON);
    const r = await run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json'], { cwd: app, timeoutMs: 120_000 });
    expect(r.code, describeRun('tsc --noEmit', r)).toBe(0);
  });

  it('answers a recorded caller with the agent and its tool', async () => {
    const said = await run(
      'npx',
      ['parley', 'say', 'When are you open on saturday?', '-o', 'speech.wav', '--voice', 'rms'],
      {
        cwd: app,
        timeoutMs: 60_000,
      },
    );
    expect(said.code, describeRun('parley say', said)).toBe(0);
    // Half a second before the question, two seconds after it so the turn ends inside the recording.
    const padded = await run('sox', ['speech.wav', 'caller.wav', 'pad', '0.5', '2'], {
      cwd: app,
      timeoutMs: 30_000,
    });
    expect(padded.code, describeRun('sox pad', padded)).toBe(0);

    const call = await run('npx', ['parley', 'call', 'caller.wav', '--agent', './agent.ts', '--json'], {
      cwd: app,
      timeoutMs: 120_000,
    });
    expect(call.code, describeRun('parley call --agent', call)).toBe(0);
    const out = JSON.parse(call.stdout) as {
      turns: {
        userText: string;
        agentText: string;
        tools: { name: string; args: unknown; status: string }[];
      }[];
    };
    const turn = out.turns.find((t) => t.tools.some((tool) => tool.name === 'get_opening_hours'));
    expect(turn, call.stdout).toBeDefined();
    console.log(`package test: caller "${turn?.userText}" → agent "${turn?.agentText}"`);
    expect(turn?.tools).toContainEqual({
      name: 'get_opening_hours',
      args: { day: 'saturday' },
      status: 'executed',
    });
    expect(turn?.agentText).toMatch(/5 pm/);
  });

  it("finds a built-in agent's scenario files in the built package", async () => {
    const r = await run('npx', ['parley', 'eval', '--only', 'track-simple', '--json'], {
      cwd: app,
      timeoutMs: 120_000,
    });
    // Exit 1 would only mean an expectation missed; what matters here is that the YAML was found.
    expect(r.code === 0 || r.code === 1, describeRun('parley eval', r)).toBe(true);
    const out = JSON.parse(r.stdout) as { summary: { modes: { calls: number }[] } };
    expect(out.summary.modes[0]?.calls).toBe(1);
  });

  it('serves the agent over the HTTP API', async () => {
    const server = spawn(
      'npx',
      ['parley', 'serve', '--agent', './agent.ts', '--port', '0', '--data-dir', join(work, 'data')],
      {
        cwd: app,
        env: userEnv({ PARLEY_API_KEYS: API_KEY, PARLEY_LOG_LEVEL: 'warn' }),
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    servers.push(server);
    let stdout = '';
    let stderr = '';
    server.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner after 90 s\n${stdout}\n${stderr}`)), 90_000);
      server.stdout?.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /Parley is listening on (http:\/\/\S+)/.exec(stdout);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      server.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`parley serve exited ${code}\n${stdout}\n${stderr}`));
      });
    });
    // A configured key is the operator's secret: the banner never prints it (only a generated one).
    expect(stdout).not.toContain(API_KEY);

    const res = await fetch(`${url}/v1/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const body = (await res.json()) as { agent?: string };
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body.agent).toBe('shop-hours');
    // The web client ships in the package (web/dist).
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await page.text()).toMatch(/<html/i);

    // npx dies of the signal at once; the server (same process group) shuts down on its own. Its
    // pipes close when every process holding them has exited.
    const closed = Promise.all(
      [server.stdout, server.stderr].map((s) => new Promise<void>((resolve) => s?.once('close', resolve))),
    );
    killGroup(server, 'SIGTERM');
    const how = await Promise.race([
      closed.then(() => 'closed' as const),
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000)),
    ]);
    expect(how, stderr).toBe('closed');
    // SIGTERM drains: no new sessions, live calls end at a turn boundary, then the server exits.
    expect(stderr).toContain('SIGTERM, draining');
    expect(stderr).toMatch(/drained \(/);
    expect(stderr).not.toMatch(/shutdown failed|again, exiting now/);
  });
});
