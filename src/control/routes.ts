/** The sessions API: create, read, transcript, list, hang up. JSON in and out, keyed by API key. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { SessionOptions } from '../conversation/options.js';
import type { CallStore, SessionRecord } from '../store/call-store.js';
import { bearer, type ApiKeys } from './api-keys.js';
import { resolveBudget, type SessionBudget } from './budget.js';
import { ApiError } from './errors.js';
import type { EngineOffer } from './runtime-contract.js';
import { mediaUrls } from './public-url.js';
import type { SessionService } from './sessions.js';
import { buildTranscript } from './transcript.js';

export interface RouteDeps {
  keys: ApiKeys;
  store: CallStore;
  sessions: SessionService;
  limits: SessionBudget;
  defaultAgent: string;
  /** Greeting for sessions that do not say (served sessions greet by default). */
  greeting: boolean;
  /** Server-wide session options, under each request's own. */
  sessionOptions: Partial<SessionOptions>;
  bodyLimitBytes: number;
  rateLimit: { max: number; timeWindowMs: number };
  /** Agents served, by name, with their one-line descriptions. */
  agents: { name: string; description: string }[];
  /** Base URL of the media URLs: the configured public URL, else the listening address. */
  publicBase: () => string;
  /** Engines sessions may choose, for listing (the session service checks a choice). */
  offers: () => Promise<EngineOffer | undefined>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Fingerprint of the caller's valid API key (set by `requireApiKey`). */
    ownerKey: string;
  }
}

const createBody = z
  .object({
    agent: z.string().min(1).max(64).optional(),
    greeting: z.boolean().optional(),
    engines: z
      .object({
        stt: z.string().min(1).max(64).optional(),
        tts: z.string().min(1).max(64).optional(),
        brain: z.string().min(1).max(64).optional(),
        voice: z.string().min(1).max(64).optional(),
      })
      .strict()
      .optional(),
    budget: z
      .object({
        maxCostUsd: z.number().positive().finite().optional(),
        maxDurationMs: z.number().int().positive().optional(),
        maxTurns: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const listQuery = z
  .object({
    active: z.enum(['true', 'false']).optional(),
    limit: z.coerce.number().int().min(1).max(200).optional(),
  })
  .strict();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.join('.') || what}: ${i.message}`);
  throw new ApiError(400, 'invalid_request', `invalid ${what}: ${issues.join('; ')}`);
}

export async function registerSessionRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  app.decorateRequest('ownerKey', '');

  const requireApiKey = async (request: FastifyRequest, reply: FastifyReply) => {
    request.ownerKey = deps.keys.authenticate(bearer(request.headers.authorization), request, reply);
  };

  /** Another key's session is reported exactly like a missing one, so ids cannot be probed. */
  const ownedSession = (request: FastifyRequest, id: string): SessionRecord => {
    const record = UUID.test(id) ? deps.store.getSession(id) : undefined;
    if (!record || record.ownerKey !== request.ownerKey) {
      throw new ApiError(404, 'session_not_found', `no session ${id} for this API key`);
    }
    return record;
  };

  const view = (record: SessionRecord) => ({
    sessionId: record.id,
    agent: record.agent,
    active: deps.sessions.isLive(record.id),
    state: deps.sessions.state(record.id) ?? 'ended',
    createdAt: record.createdAt,
    endedAt: record.endedAt,
    endReason: record.endReason,
    turns: record.turnCount,
    usage: record.usage,
    costUsd: record.costUsd,
    budget: record.budget,
  });

  const routeOpts = {
    onRequest: requireApiKey,
    // Tokens and transcripts must not linger in shared caches.
    onSend: async (_request: FastifyRequest, reply: FastifyReply) => {
      void reply.header('cache-control', 'no-store');
    },
    bodyLimit: deps.bodyLimitBytes,
  };

  app.post(
    '/v1/sessions',
    {
      ...routeOpts,
      config: {
        rateLimit: {
          max: deps.rateLimit.max,
          timeWindow: deps.rateLimit.timeWindowMs,
          keyGenerator: (request: FastifyRequest) => request.ownerKey,
        },
      },
    },
    async (request, reply) => {
      const body = parse(createBody, request.body ?? {}, 'body');
      const resolved = resolveBudget(deps.limits, body.budget);
      if ('error' in resolved) throw new ApiError(400, 'budget_exceeds_limit', resolved.error);
      const { engines } = body;
      const created = await deps.sessions.create({
        ownerKey: request.ownerKey,
        agent: body.agent ?? deps.defaultAgent,
        ...(engines ? { engines } : {}),
        budget: resolved.budget,
        options: { ...deps.sessionOptions, greeting: body.greeting ?? deps.greeting },
      });
      return reply.status(201).send({
        sessionId: created.sessionId,
        agent: created.agent,
        ...(engines ? { engines } : {}),
        token: created.token,
        expiresAt: new Date(created.expiresAtMs).toISOString(),
        budget: resolved.budget,
        // Never from the Host header, which the client chooses (finding 8).
        media: mediaUrls(deps.publicBase()),
      });
    },
  );

  app.get('/v1/agents', routeOpts, async () => ({ agents: deps.agents, default: deps.defaultAgent }));

  app.get('/v1/engines', routeOpts, async () => {
    const offer = await deps.offers();
    return offer ?? { stt: [], tts: [], brain: [], voices: [], defaults: {} };
  });

  app.get('/v1/sessions', routeOpts, async (request) => {
    const query = parse(listQuery, request.query, 'query');
    const records = deps.store.listSessions(request.ownerKey, {
      activeOnly: query.active === 'true',
      limit: query.limit ?? 50,
    });
    const sessions = records.map(view).filter((s) => query.active !== 'true' || s.active);
    return { sessions };
  });

  app.get<{ Params: { id: string } }>('/v1/sessions/:id', routeOpts, async (request) =>
    view(ownedSession(request, request.params.id)),
  );

  app.get<{ Params: { id: string } }>('/v1/sessions/:id/transcript', routeOpts, async (request) => {
    const record = ownedSession(request, request.params.id);
    return buildTranscript(record, deps.store, view(record));
  });

  app.delete<{ Params: { id: string } }>('/v1/sessions/:id', routeOpts, async (request) => {
    const record = ownedSession(request, request.params.id);
    const wasLive = await deps.sessions.hangUp(record.id, 'hangup');
    const after = deps.store.getSession(record.id) ?? record;
    return { ...view(after), hungUp: wasLive };
  });
}
