/**
 * `parley serve [--port 8080] [--host 127.0.0.1] [--data-dir .parley]`: control plane, media plane
 * and web client in one process on the embedded offline stack. Logs go to stderr; stdout carries
 * only the banner (URL with the API key, a curl example).
 */
import { parseArgs } from 'node:util';
import { createServer } from '../control/server.js';
import { createEmbeddedRuntime, type EmbeddedRuntimeOptions } from '../runtime/embedded.js';
import { isVoiceName, VOICES } from '../engines/tts.js';

const USAGE = `usage: parley serve [--port N] [--host ADDR] [--data-dir DIR] [--voice V] [--lm domain|generic]

  --port N         port to listen on; 0 picks a free one (default 8080)
  --host ADDR      address to bind (default 127.0.0.1, loopback only)
  --data-dir DIR   SQLite file and model caches (default .parley)
  --voice NAME     agent voice: ${VOICES.join(', ')} (default slt)
  --lm KIND        recognizer language model: domain or generic (default domain)

Environment: PARLEY_API_KEYS (comma-separated; one is generated when unset), PARLEY_TOKEN_SECRET,
PARLEY_PRICES (JSON price table), PARLEY_MAX_SESSION_COST_USD, PARLEY_MAX_SESSION_MS,
PARLEY_MAX_SESSION_TURNS, PARLEY_LLM_BASE_URL / PARLEY_LLM_MODEL / PARLEY_LLM_API_KEY, PARLEY_LOG_LEVEL.`;

class UsageError extends Error {}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string', default: '.parley' },
      voice: { type: 'string' },
      lm: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port must be 0–65535, got '${values.port}'`);
  const runtime: EmbeddedRuntimeOptions = { dataDir: values['data-dir'] };
  if (values.voice !== undefined) {
    if (!isVoiceName(values.voice)) throw new UsageError(`--voice must be one of ${VOICES.join(', ')}`);
    runtime.voice = values.voice;
  }
  if (values.lm !== undefined) {
    if (values.lm !== 'domain' && values.lm !== 'generic')
      throw new UsageError('--lm must be domain or generic');
    runtime.lm = values.lm;
  }
  return { help: values.help, port, host: values.host, dataDir: values['data-dir'], runtime };
}

export async function run(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    console.error(`parley serve: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const runtime = await createEmbeddedRuntime(args.runtime);
  let server: Awaited<ReturnType<typeof createServer>>;
  try {
    server = await createServer({
      dataDir: args.dataDir,
      port: args.port,
      host: args.host,
      runtime,
      logger: { level: process.env.PARLEY_LOG_LEVEL ?? 'info', stream: process.stderr },
    });
  } catch (err) {
    await runtime.close();
    throw err;
  }
  const { url, apiKey } = server;
  console.log(
    [
      `Parley is listening on ${url}`,
      '',
      `Open the web client:  ${url}/#key=${apiKey}`,
      server.apiKeyGenerated
        ? '(API key generated for this run; set PARLEY_API_KEYS to choose your own)'
        : '',
      '',
      'Or create a session with curl:',
      `  curl -s -X POST ${url}/v1/sessions -H 'Authorization: Bearer ${apiKey}' -H 'Content-Type: application/json' -d '{}'`,
      '',
      'API reference: docs/api.md. Stop with Ctrl-C.',
    ]
      .filter((line, i, all) => line !== '' || all[i - 1] !== '')
      .join('\n'),
  );

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        console.error(`parley serve: ${signal} again, exiting now`);
        process.exit(1);
      }
      stopping = true;
      console.error(`parley serve: ${signal}, ending calls and closing`);
      server.close().then(
        async () => {
          await runtime.close();
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve(0);
        },
        (err: unknown) => {
          console.error(`parley serve: shutdown failed: ${(err as Error).message}`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
