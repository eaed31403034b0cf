/**
 * `parley serve [--port 8080] [--host 127.0.0.1] [--data-dir .parley]`: control plane, media plane
 * and web client in one process on the embedded offline stack. Logs go to stderr; stdout carries
 * only the banner (URL with the API key, a curl example).
 */
import { parseArgs } from 'node:util';
import { type AgentLoadError, loadAgent } from '../apps/load-agent.js';
import { createServer } from '../control/server.js';
import { type ConfigError, createConfiguredRuntime, type RuntimeConfig } from '../runtime/config.js';
import { agentRefFrom, RUNTIME_FLAG_OPTIONS, runtimeConfigFrom, runtimeFlagUsage } from './runtime-flags.js';

const usage =
  () => `usage: parley serve [--port N] [--host ADDR] [--agent NAME|PATH[,NAME|PATH…]] [engine options]

  --port N             port to listen on; 0 picks a free one (default 8080)
  --host ADDR          address to bind (default 127.0.0.1, loopback only)
${runtimeFlagUsage()}

Several agents may be served at once (comma-separated --agent); the first is the default, and
POST /v1/sessions {"agent": NAME} picks another.

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
      ...RUNTIME_FLAG_OPTIONS,
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port must be 0–65535, got '${values.port}'`);
  return { help: values.help, port, host: values.host, values };
}

export async function run(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    console.error(`parley serve: ${(err as Error).message}\n\n${usage()}`);
    return 2;
  }
  if (args.help) {
    console.log(usage());
    return 0;
  }
  let agents: Awaited<ReturnType<typeof loadAgent>>[];
  let config: RuntimeConfig;
  try {
    agents = await Promise.all(
      agentRefFrom(args.values)
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean)
        .map((a) => loadAgent(a)),
    );
    config = runtimeConfigFrom(args.values);
  } catch (err) {
    console.error(`parley serve: ${(err as AgentLoadError | ConfigError).message}`);
    return 2;
  }
  const runtime = await createConfiguredRuntime(config);
  let server: Awaited<ReturnType<typeof createServer>>;
  try {
    server = await createServer({
      dataDir: config.dataDir,
      port: args.port,
      host: args.host,
      runtime,
      agents,
      ...(agents[0] ? { defaultAgent: agents[0].name } : {}),
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
      `Agents: ${agents.map((a) => a.name).join(', ')} (default ${agents[0]?.name}); engines: stt ${config.stt}, tts ${config.tts}, brain ${config.brain}`,
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
