/**
 * In-process Parley servers for tests: each on a free loopback port with its own temporary data
 * folder, quiet, no greeting, no web client. A test file keeps one `TestServers` and closes it
 * after each test (`afterEach(() => servers.closeAll())`), which also removes the folders.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type ParleyServer, type ServerOptions } from '../control/server.js';

export interface StartedServer {
  server: ParleyServer;
  /** The server's data folder (removed by closeAll). */
  dir: string;
}

/**
 * Per-file options, or a function called for each server: a runtime closes with its server, so
 * a file whose servers each need a fresh runtime gives a function.
 */
export type TestServerDefaults = Partial<ServerOptions> | (() => Partial<ServerOptions>);

export class TestServers {
  private readonly open: StartedServer[] = [];

  /** `defaults` apply to every server this file starts; `start` options override them. */
  constructor(
    private readonly defaults: TestServerDefaults = {},
    private readonly prefix = 'parley-test-',
  ) {}

  async start(opts: Partial<ServerOptions> = {}): Promise<ParleyServer> {
    return (await this.startIn(opts)).server;
  }

  /** Like `start`, with the data folder too. */
  async startIn(opts: Partial<ServerOptions> = {}): Promise<StartedServer> {
    const dir = mkdtempSync(join(tmpdir(), this.prefix));
    try {
      const server = await createServer({
        dataDir: dir,
        port: 0,
        logger: false,
        greeting: false,
        webRoot: join(dir, 'no-web'),
        ...(typeof this.defaults === 'function' ? this.defaults() : this.defaults),
        ...opts,
      });
      const started = { server, dir };
      this.open.push(started);
      return started;
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  async closeAll(): Promise<void> {
    for (const { server, dir } of this.open.splice(0)) {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
