/**
 * The control plane and composition root: HTTP API (sessions, tokens, health, metrics), the media
 * plane, the durable store and the web client, in one fastify instance.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { type Agent, type AgentDefinition, isAgent } from '../agent.js';
import { type Clock, SystemClock } from '../clock.js';
import { PRESETS, type SessionOptions } from '../conversation/options.js';
import type { Brain } from '../engines/types.js';
import { mediaTuningFromEnv } from '../media/media-tuning.js';
import { registerMediaPlane } from '../media/plane.js';
import { DEFAULT_RESUME_GRACE_MS, resumeGraceMsFromEnv } from '../media/resume.js';
import { type PhoneOptions, phoneOptionsFromEnv, registerPhoneRoutes } from '../media/phone/routes.js';
import { type PriceTable, parsePriceTable } from '../metrics/prices.js';
import { ParleyMetrics } from '../metrics/prometheus.js';
import { CallStore } from '../store/call-store.js';
import { type Db, openDatabase } from '../store/database.js';
import { registerRealtimeRoutes } from '../realtime/routes.js';
import { agentDataDir } from '../runtime/agent-data.js';
import { ApiKeys, generateApiKey, parseApiKeys } from './api-keys.js';
import { AuthThrottle, authThrottleFromEnv } from './auth-throttle.js';
import { DEFAULT_BUDGET, type SessionBudget } from './budget.js';
import {
  DEFAULT_DRAIN_GRACE_MS,
  DRAINING_MESSAGE,
  type DrainOptions,
  type DrainResult,
  drainGraceFromEnv,
} from './drain.js';
import { frameworkErrors, installErrorHandlers } from './errors.js';
import { capConnections, fastifyTimeoutOptions, type HttpLimits, httpLimits } from './http-limits.js';
import { serverLimitsFromEnv, sessionCaps } from './limits.js';
import { withLogRedaction } from './log-redaction.js';
import { isWildcardHost, listeningOrigin, parsePublicUrl } from './public-url.js';
import { registerSessionRoutes } from './routes.js';
import type { ControlRuntime } from './runtime-contract.js';
import { registerSecurityHeaders, servableWebPath } from './security.js';
import { SessionService } from './sessions.js';
import { TokenIssuer } from './tokens.js';

export interface ServerOptions {
  /** Where the SQLite file (`parley.db`) and engine caches live. Default '.parley'. */
  dataDir?: string;
  /** Accepted API keys. Default: `PARLEY_API_KEYS` (comma-separated), else one generated now. */
  apiKeys?: string[];
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default '127.0.0.1' (loopback only). */
  host?: string;
  /** Default: the embedded offline runtime on `dataDir`, closed with the server. */
  runtime?: ControlRuntime;
  /** How long a session token may wait before connecting, ms. Default 60000. */
  tokenTtlMs?: number;
  /** HMAC secret for tokens (≥ 32 bytes). Default: `PARLEY_TOKEN_SECRET`, else random per process. */
  tokenSecret?: string;
  /** The agents served, each reached by its name. Default: the package tracker. */
  agents?: readonly (Agent | AgentDefinition)[];
  /** Agent of requests that name none. Default 'package-tracker' (or the only agent given). */
  defaultAgent?: string;
  /** Greeting for sessions whose request does not say. Default true. */
  greeting?: boolean;
  /** Session options for every session (requests add `greeting`). Default {}. */
  sessionOptions?: Partial<SessionOptions>;
  /** Per-session limits; requests may ask for less. Default: env `PARLEY_MAX_SESSION_*`, else DEFAULT_BUDGET. */
  budget?: Partial<SessionBudget>;
  /** Wait after a budget goodbye has played before hanging up, ms. Default 1500. */
  budgetGraceMs?: number;
  /** Default: `PARLEY_PRICES` (JSON), else all zero. */
  prices?: PriceTable;
  /** Session creations per API key per window. Default 30 per 60000 ms. */
  rateLimit?: { max: number; timeWindowMs: number };
  /** Largest JSON body accepted by the control API, bytes. Default 16384. */
  bodyLimitBytes?: number;
  /** Live sessions at once, those being created included (503 `at_capacity` beyond). Default: `PARLEY_MAX_SESSIONS`, else 16. */
  maxActiveSessions?: number;
  /** Live sessions per API key (429 `too_many_sessions` beyond). Default: `PARLEY_MAX_SESSIONS_PER_KEY`, else half of maxActiveSessions, rounded up. */
  maxSessionsPerKey?: number;
  /** Base URL clients reach this server at, for the media URLs returned (never the Host header). Default: `PARLEY_PUBLIC_URL`, else the listening address. */
  publicUrl?: string;
  /** HTTP timeouts and the connection cap (http-limits.ts). Default: `PARLEY_*_TIMEOUT_MS`, `PARLEY_MAX_CONNECTIONS`, else DEFAULT_HTTP_LIMITS. */
  http?: Partial<HttpLimits>;
  /** Wrong-key attempts per client address per window before 429. Default: `PARLEY_MAX_AUTH_FAILURES`, else 10 per 60000 ms. */
  authThrottle?: { maxFailures: number; windowMs: number };
  /**
   * How long a session whose media connection dropped abnormally waits for the client to resume,
   * ms. Default: `PARLEY_RESUME_GRACE_MS`, else 15000.
   */
  resumeGraceMs?: number;
  /**
   * On `drain()` (SIGTERM/SIGINT under `parley serve`), how long live calls may take to reach a turn
   * boundary before they are hung up, ms. Default: `PARLEY_DRAIN_GRACE_MS`, else 30000.
   */
  drainGraceMs?: number;
  /** Clock for budgets. Default SystemClock. */
  clock?: Clock;
  /** Wall clock, ms since the epoch (token expiry, record times). Default Date.now. */
  wallNow?: () => number;
  /** A brain for each new session instead of the runtime's brain engine (tests). */
  brainFor?: (agent: AgentDefinition) => Brain | Promise<Brain>;
  /** Fastify logger (pino) options; false silences. Default: level from `PARLEY_LOG_LEVEL`, else 'info'. */
  logger?: FastifyServerOptions['logger'];
  /** Static web client folder. Default web/dist of this checkout. */
  webRoot?: string;
  /**
   * Phone calls through Twilio (docs/phone.md). Default: `TWILIO_AUTH_TOKEN` and `PARLEY_PUBLIC_URL`;
   * without an auth token the phone routes answer 503. Phone sessions use the phone preset (PRESETS.phone)
   * over `sessionOptions`, then `phone.sessionOptions`.
   */
  phone?: PhoneOptions & { sessionOptions?: Partial<SessionOptions> };
}

export interface ParleyServer {
  app: FastifyInstance;
  url: string;
  /** The first accepted API key (the generated one when none was configured). */
  apiKey: string;
  /** Whether `apiKey` was generated for this process. */
  apiKeyGenerated: boolean;
  db: Db;
  store: CallStore;
  metrics: ParleyMetrics;
  sessions: SessionService;
  /** Ends live calls now (`server_shutdown`, a reply going is cut), writes their records, closes. */
  close(): Promise<void>;
  /**
   * Graceful shutdown: refuses new sessions (503 `draining`, `/readyz` 503), lets each live call
   * finish its reply and hangs up at its next turn boundary, hangs up the rest when the grace
   * period ends, then closes as `close()` does. Idempotent.
   */
  drain(opts?: DrainOptions): Promise<DrainResult>;
}

const DEFAULT_WEB_ROOT = resolve(fileURLToPath(new URL('../../web/dist', import.meta.url)));

async function defaultAgents(): Promise<Agent[]> {
  const { loadAgent } = await import('../apps/load-agent.js');
  return [await loadAgent('package-tracker')];
}

async function defaultRuntime(dataDir: string): Promise<ControlRuntime> {
  const { createEmbeddedRuntime } = await import('../runtime/embedded.js');
  return createEmbeddedRuntime({ dataDir });
}

/** Builds each agent once for this server, in its own data folder; returns them by name and how to close them. */
async function buildAgents(
  given: readonly (Agent | AgentDefinition)[],
  dataDir: string,
): Promise<{
  agents: Map<string, AgentDefinition>;
  listing: { name: string; description: string }[];
  close(): Promise<void>;
}> {
  const agents = new Map<string, AgentDefinition>();
  const listing: { name: string; description: string }[] = [];
  const built: AgentDefinition[] = [];
  const close = async () => {
    for (const agent of built) await agent.close?.();
  };
  try {
    for (const source of given) {
      if (agents.has(source.name)) throw new Error(`two agents are named '${source.name}'`);
      const agent = isAgent(source)
        ? await source.create({ dataDir: agentDataDir(dataDir, source.name), ephemeral: false })
        : source;
      if (isAgent(source)) built.push(agent);
      agents.set(source.name, agent);
      listing.push({ name: source.name, description: isAgent(source) ? source.description : '' });
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { agents, listing, close };
}

export async function createServer(opts: ServerOptions = {}): Promise<ParleyServer> {
  const dataDir = opts.dataDir ?? '.parley';
  const configuredKeys = opts.apiKeys ?? parseApiKeys(process.env.PARLEY_API_KEYS);
  const apiKeyGenerated = !configuredKeys;
  const keys = new ApiKeys(
    configuredKeys ?? [generateApiKey()],
    new AuthThrottle({
      ...(opts.authThrottle ?? authThrottleFromEnv(process.env)),
      ...(opts.wallNow ? { now: opts.wallNow } : {}),
    }),
  );
  const caps = sessionCaps(process.env, {
    ...(opts.maxActiveSessions !== undefined ? { maxActiveSessions: opts.maxActiveSessions } : {}),
    ...(opts.maxSessionsPerKey !== undefined ? { maxSessionsPerKey: opts.maxSessionsPerKey } : {}),
  });
  const http = httpLimits(process.env, opts.http);
  const publicUrl = opts.publicUrl
    ? parsePublicUrl(opts.publicUrl, 'publicUrl')
    : parsePublicUrl(process.env.PARLEY_PUBLIC_URL, 'PARLEY_PUBLIC_URL');
  const limits = { ...DEFAULT_BUDGET, ...serverLimitsFromEnv(process.env), ...opts.budget };
  const drainGraceMs = opts.drainGraceMs ?? drainGraceFromEnv(process.env) ?? DEFAULT_DRAIN_GRACE_MS;
  const prices = opts.prices ?? parsePriceTable(process.env.PARLEY_PRICES);
  const tokens = new TokenIssuer({
    ...(opts.tokenSecret ? { secret: opts.tokenSecret } : {}),
    ...(opts.tokenTtlMs !== undefined ? { ttlMs: opts.tokenTtlMs } : {}),
    ...(opts.wallNow ? { now: opts.wallNow } : {}),
  });

  const db = openDatabase(join(dataDir, 'parley.db'));
  const cleanups: (() => Promise<void> | void)[] = [
    () => {
      db.close();
    },
  ];
  try {
    const store = new CallStore(db);
    const wallNow = opts.wallNow ?? Date.now;
    // Sessions a dead process left open cannot be live any more; their records stay readable.
    store.endOrphans('server_restart', new Date(wallNow()));
    const built = await buildAgents(opts.agents ?? (await defaultAgents()), dataDir);
    cleanups.unshift(() => built.close());
    const { agents } = built;
    const defaultAgent =
      opts.defaultAgent ?? (agents.has('package-tracker') ? 'package-tracker' : [...agents.keys()][0]);
    if (!defaultAgent || !agents.has(defaultAgent))
      throw new Error(`default agent '${defaultAgent}' is not configured`);
    const runtime = opts.runtime ?? (await defaultRuntime(dataDir));
    if (!opts.runtime) cleanups.unshift(() => runtime.close());
    const metrics = new ParleyMetrics();
    let log: { warn(obj: object, msg: string): void } | undefined;
    const stopFallbacks = runtime.onEngineFallback?.((event) => {
      metrics.engineFallbacks.inc({ kind: event.kind, from: event.from, to: event.to });
      const message = `${event.kind} engine ${event.from} failed; ${event.to} took over`;
      if (log) log.warn({ engineFallback: event }, message);
      else process.emitWarning(`${message}: ${event.reason}`);
    });
    if (stopFallbacks) cleanups.unshift(stopFallbacks);
    // Language models load before the first call rather than during it.
    for (const agent of agents.values()) await runtime.prepare?.(agent);
    const offers = runtime.offers ? runtime.offers() : Promise.resolve(undefined);
    offers.catch(() => {});

    const app = Fastify({
      // Tokens in URLs and keys in headers are redacted from every log line (finding 6).
      logger: withLogRedaction(opts.logger ?? { level: process.env.PARLEY_LOG_LEVEL ?? 'info' }),
      bodyLimit: 1024 * 1024,
      forceCloseConnections: true,
      ...fastifyTimeoutOptions(http),
      frameworkErrors,
    });
    installErrorHandlers(app);
    capConnections(app.server, http);
    const publicBase = () => publicUrl ?? listeningOrigin(app.server.address());
    const webRoot = opts.webRoot ?? DEFAULT_WEB_ROOT;
    await registerSecurityHeaders(app, { webRoot, publicBase });
    log = app.log;
    const sessions = new SessionService({
      runtime,
      store,
      metrics,
      tokens,
      agents,
      prices,
      clock: opts.clock ?? new SystemClock(),
      wallNow,
      ...(opts.brainFor ? { brainFor: opts.brainFor } : {}),
      ...caps,
      ...(opts.budgetGraceMs !== undefined ? { budgetGraceMs: opts.budgetGraceMs } : {}),
      log: app.log,
    });
    // Calls end before the store closes, so their last records are written.
    app.addHook('preClose', async () => sessions.closeAll('server_shutdown'));

    await app.register(rateLimit, { global: false });
    await registerSessionRoutes(app, {
      keys,
      store,
      sessions,
      limits,
      defaultAgent,
      greeting: opts.greeting ?? true,
      sessionOptions: opts.sessionOptions ?? {},
      bodyLimitBytes: opts.bodyLimitBytes ?? 16 * 1024,
      rateLimit: opts.rateLimit ?? { max: 30, timeWindowMs: 60_000 },
      agents: built.listing,
      publicBase,
      offers: () => offers,
    });
    app.get('/healthz', async () => {
      db.prepare('SELECT 1').get();
      return { status: sessions.isDraining ? 'draining' : 'ok', activeSessions: sessions.activeCount };
    });
    // Readiness for load balancers: 503 once draining, so no new calls are sent here.
    app.get('/readyz', async (_request, reply) => {
      if (sessions.isDraining)
        return reply.status(503).send({ error: { code: 'draining', message: DRAINING_MESSAGE } });
      db.prepare('SELECT 1').get();
      return { status: 'ready', activeSessions: sessions.activeCount };
    });
    app.get('/metrics', async (_request, reply) => {
      void reply.header('content-type', metrics.contentType);
      return metrics.text();
    });
    await registerRealtimeRoutes(app, {
      keys,
      sessions,
      limits,
      defaultAgent,
      agentNames: new Set(agents.keys()),
      sessionOptions: opts.sessionOptions ?? {},
      log: app.log,
    });
    await registerMediaPlane(app, {
      checkToken: sessions.checkToken,
      log: app.log,
      resumeGraceMs: opts.resumeGraceMs ?? resumeGraceMsFromEnv(process.env) ?? DEFAULT_RESUME_GRACE_MS,
      ...mediaTuningFromEnv(process.env),
    });
    await registerPhoneRoutes(app, {
      sessions,
      agent: defaultAgent,
      budget: limits,
      sessionOptions: {
        ...opts.sessionOptions,
        ...PRESETS.phone,
        ...opts.phone?.sessionOptions,
        greeting: opts.greeting ?? true,
      },
      phone: { ...phoneOptionsFromEnv(process.env), ...(publicUrl ? { publicUrl } : {}), ...opts.phone },
      log: app.log,
    });

    if (existsSync(join(webRoot, 'index.html'))) {
      await app.register(fastifyStatic, { root: webRoot, prefix: '/', allowedPath: servableWebPath });
    } else {
      app.get('/', async (_request, reply) =>
        reply.status(404).send({
          error: {
            code: 'web_client_not_built',
            message: 'the web client is not built: run node scripts/build-web.mjs',
          },
        }),
      );
    }

    const host = opts.host ?? '127.0.0.1';
    const url = await app.listen({ port: opts.port ?? 8080, host });
    if (!publicUrl && isWildcardHost(host))
      app.log.warn(
        { mediaBase: publicBase() },
        'listening on every interface without PARLEY_PUBLIC_URL: session media URLs name the loopback address; set PARLEY_PUBLIC_URL to the address clients use',
      );
    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        await app.close();
        for (const cleanup of cleanups) await cleanup();
      })();
      return closing;
    };
    let draining: Promise<DrainResult> | undefined;
    const drain = (o: DrainOptions = {}) => {
      draining ??= (async () => {
        const graceMs = o.graceMs ?? drainGraceMs;
        app.log.info({ activeSessions: sessions.activeCount, graceMs }, 'draining: no new sessions');
        const result = await sessions.drain(graceMs);
        app.log.info(result, 'drained: every call ended');
        await close();
        return result;
      })();
      return draining;
    };
    return {
      app,
      url,
      apiKey: keys.keys[0] as string,
      apiKeyGenerated,
      db,
      store,
      metrics,
      sessions,
      close,
      drain,
    };
  } catch (err) {
    for (const cleanup of cleanups) await cleanup();
    throw err;
  }
}
