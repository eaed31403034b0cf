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
import { drainOnSignals } from './shutdown.js';

const usage =
  () => `usage: parley serve [--port N] [--host ADDR] [--agent NAME|PATH[,NAME|PATH…]] [engine options]

  --port N             port to listen on; 0 picks a free one (default 8080)
  --host ADDR          address to bind (default 127.0.0.1, loopback only)
${runtimeFlagUsage()}

Several agents may be served at once (comma-separated --agent); the first is the default, and
POST /v1/sessions {"agent": NAME} picks another.

Environment: PARLEY_API_KEYS (comma-separated; one is generated when unset), PARLEY_TOKEN_SECRET,
PARLEY_PRICES (JSON price table), PARLEY_MAX_SESSION_COST_USD, PARLEY_MAX_SESSION_MS,
PARLEY_MAX_SESSION_TURNS, PARLEY_LLM_BASE_URL / PARLEY_LLM_MODEL / PARLEY_LLM_API_KEY, PARLEY_LOG_LEVEL,
PARLEY_PUBLIC_URL (base of the media URLs returned; default the listening address),
PARLEY_MAX_SESSIONS (16), PARLEY_MAX_SESSIONS_PER_KEY (half of it), PARLEY_MAX_AUTH_FAILURES (10 a minute),
PARLEY_MAX_CONNECTIONS (512), PARLEY_HEADERS_TIMEOUT_MS (10000), PARLEY_REQUEST_TIMEOUT_MS (30000),
PARLEY_KEEP_ALIVE_TIMEOUT_MS (5000), PARLEY_CONNECTION_TIMEOUT_MS (60000),
PARLEY_DRAIN_GRACE_MS (30000: on SIGTERM/SIGINT live calls finish their reply within it).`;

class UsageError extends Error {}

/**
 * What `parley serve` prints on stdout once listening. A key is shown only when it was generated
 * for this run: a configured key is the operator's secret and stays out of terminals and log
 * collectors that capture stdout.
 */
export function startBanner(b: {
  url: string;
  apiKey: string;
  apiKeyGenerated: boolean;
  agents: string[];
  engines: string;
}): string {
  const { url } = b;
  const key = b.apiKeyGenerated ? b.apiKey : '<your key from PARLEY_API_KEYS>';
  return [
    `Parley is listening on ${url}`,
    `Agents: ${b.agents.join(', ')} (default ${b.agents[0]}); engines: ${b.engines}`,
    '',
    b.apiKeyGenerated
      ? `Open the web client:  ${url}/#key=${key}`
      : `Open the web client:  ${url}/ and enter your key (set in PARLEY_API_KEYS)`,
    b.apiKeyGenerated ? '(API key generated for this run; set PARLEY_API_KEYS to choose your own)' : '',
    '',
    'Or create a session with curl:',
    `  curl -s -X POST ${url}/v1/sessions -H 'Authorization: Bearer ${key}' -H 'Content-Type: application/json' -d '{}'`,
    '',
    'API reference: docs/api.md. Stop with Ctrl-C.',
  ]
    .filter((line, i, all) => line !== '' || all[i - 1] !== '')
    .join('\n');
}

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
  console.log(
    startBanner({
      url: server.url,
      apiKey: server.apiKey,
      apiKeyGenerated: server.apiKeyGenerated,
      agents: agents.map((a) => a.name),
      engines: `stt ${config.stt}, tts ${config.tts}, brain ${config.brain}`,
    }),
  );

  return drainOnSignals(server, { afterDrain: () => runtime.close() });
}
