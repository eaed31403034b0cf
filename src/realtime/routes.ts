/**
 * The OpenAI Realtime-compatible endpoint: `GET /v1/realtime` (WebSocket) and
 * `POST /v1/realtime/client_secrets`, so the official `openai` client with `baseURL` set to
 * Parley's `/v1` reaches a Parley agent. Auth is `Authorization: Bearer` with an API key or a
 * client secret (a session media token minted here), or the browser form
 * `Sec-WebSocket-Protocol: realtime, openai-insecure-api-key.<key>`. Protocol references:
 * https://platform.openai.com/docs/guides/realtime-websocket and
 * https://platform.openai.com/docs/api-reference/realtime-sessions/create-realtime-client-secret
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { type Clock, SystemClock } from '../clock.js';
import type { SessionApi } from '../conversation/api.js';
import { resolveOptions, type SessionOptions } from '../conversation/options.js';
import { bearer, type ApiKeys } from '../control/api-keys.js';
import type { SessionBudget } from '../control/budget.js';
import { ApiError } from '../control/errors.js';
import type { SessionService } from '../control/sessions.js';
import { describeError } from '../media/errors.js';
import { answerUpgradeRequired, WS_SERVER_OPTIONS } from '../media/websocket/socket-limits.js';
import { parseFormat } from './audio-codec.js';
import { RealtimeConnection } from './connection.js';
import type { RealtimeSessionRequest } from './session-config.js';
import { turnDetectionOptions } from './turn-detection.js';

export interface RealtimeRouteDeps {
  keys: ApiKeys;
  sessions: SessionService;
  /** Budget every Realtime session gets (the server's limits). */
  limits: SessionBudget;
  defaultAgent: string;
  /** Agents a `model` value may name. */
  agentNames: ReadonlySet<string>;
  /** Server-wide session options. Realtime sessions do not greet (the protocol's server speaks when asked). */
  sessionOptions: Partial<SessionOptions>;
  clock?: Clock;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/** What a client secret's `session` asked for, applied when its socket connects. */
type SessionConfig = RealtimeSessionRequest;

/**
 * What preValidation let through: a client secret's session (spent once the upgrade completed),
 * or an API key's owner, whose session is created only then, so a plain GET or a failed
 * handshake holds no session.
 */
type Admitted =
  | { kind: 'secret'; session: SessionApi; config: SessionConfig; spend: () => void }
  | { kind: 'key'; owner: string; model: string };

const SUBPROTOCOL_KEY = 'openai-insecure-api-key.';

export async function registerRealtimeRoutes(app: FastifyInstance, deps: RealtimeRouteDeps): Promise<void> {
  const clock = deps.clock ?? new SystemClock();
  const admitted = new WeakMap<FastifyRequest, Admitted>();
  /** Configs of minted client secrets by session id, until their socket connects or they expire. */
  const minted = new Map<string, SessionConfig & { expiresAtMs: number }>();

  if (!app.hasDecorator('websocketServer')) {
    // The media plane's options, registered here first; oversized appends still get an error event.
    await app.register(websocket, { options: WS_SERVER_OPTIONS });
  }

  const agentFor = (model: string | undefined) =>
    model && deps.agentNames.has(model) ? model : deps.defaultAgent;

  const baseOptions = (extra: Partial<SessionOptions>): Partial<SessionOptions> => ({
    ...deps.sessionOptions,
    greeting: false,
    ...extra,
  });

  const create = async (
    ownerKey: string,
    config: Omit<SessionConfig, 'options'>,
    extra: Partial<SessionOptions>,
  ) => {
    const options = baseOptions(extra);
    const created = await deps.sessions.create({
      ownerKey,
      agent: agentFor(config.model),
      budget: { ...deps.limits },
      options,
    });
    return { created, config: { ...config, options: resolveOptions(options) } };
  };

  app.post('/v1/realtime/client_secrets', { bodyLimit: 16 * 1024 }, async (request, reply) => {
    const owner = deps.keys.authenticate(bearer(request.headers.authorization), request, reply);
    const body = (request.body ?? {}) as { session?: Record<string, unknown> };
    if (typeof body !== 'object' || body === null)
      throw new ApiError(400, 'invalid_request', 'the body must be a JSON object');
    const s = (typeof body.session === 'object' && body.session !== null ? body.session : {}) as Record<
      string,
      unknown
    >;
    const audio = (s.audio ?? {}) as { input?: Record<string, unknown>; output?: Record<string, unknown> };
    const config: Omit<SessionConfig, 'options'> = {
      model: typeof s.model === 'string' ? s.model : 'parley',
    };
    if (typeof s.instructions === 'string') config.instructions = s.instructions;
    const voice = audio.output?.voice;
    if (typeof voice === 'string') config.voice = voice;
    for (const [key, value, param] of [
      ['inputFormat', audio.input?.format, 'session.audio.input.format'],
      ['outputFormat', audio.output?.format, 'session.audio.output.format'],
    ] as const) {
      if (value === undefined) continue;
      const parsed = parseFormat(value);
      if (typeof parsed === 'object') throw new ApiError(400, 'invalid_value', `${param}: ${parsed.error}`);
      config[key] = parsed;
    }
    const base = resolveOptions(baseOptions({}));
    const td = turnDetectionOptions(audio.input?.turn_detection, base);
    if ('error' in td)
      throw new ApiError(400, 'invalid_value', `session.audio.input.turn_detection: ${td.error}`);
    const { created, config: full } = await create(owner, config, td.options);
    full.turnDetection = td.detection;
    const now = Date.now();
    for (const [id, entry] of minted) if (entry.expiresAtMs + 5000 < now) minted.delete(id);
    minted.set(created.sessionId, { ...full, expiresAtMs: created.expiresAtMs });
    void reply.header('cache-control', 'no-store');
    return {
      value: created.token,
      expires_at: Math.floor(created.expiresAtMs / 1000),
      session: {
        type: 'realtime',
        object: 'realtime.session',
        model: full.model,
        parley_session_id: created.sessionId,
        agent: created.agent,
        instructions: full.instructions ?? '',
        audio: {
          input: { turn_detection: td.detection },
          ...(full.voice ? { output: { voice: full.voice } } : {}),
        },
      },
    };
  });

  app.route({
    method: 'GET',
    url: '/v1/realtime',
    // Without an Upgrade header nothing is checked, created or spent: the answer says what is missing.
    handler: async (_req, reply) => answerUpgradeRequired(reply),
    preValidation: async (req: FastifyRequest, reply: FastifyReply) => {
      if (!req.ws) return;
      const query = req.query as { model?: unknown };
      const model = typeof query.model === 'string' ? query.model : 'parley';
      const token =
        bearer(req.headers.authorization) ?? subprotocolKey(req.headers['sec-websocket-protocol']);
      try {
        // Wrong keys and secrets count against the address; a throttled one is refused unchecked.
        deps.keys.refuseIfThrottled(req, reply);
        const owner = deps.keys.check(token);
        if (owner) {
          // Refusals for lack of room come as an HTTP status before the upgrade; the session
          // itself is created after it.
          deps.sessions.checkRoomFor(owner);
          admitted.set(req, { kind: 'key', owner, model });
          return;
        }
        if (!token)
          throw new ApiError(
            401,
            'unauthorized',
            'an API key or client secret is required (Authorization: Bearer …)',
          );
        // A client secret: the media token of a session minted by POST /v1/realtime/client_secrets.
        const admission = await deps.sessions.checkToken(token);
        const session = admission.session;
        const config = minted.get(session.id);
        admitted.set(req, {
          kind: 'secret',
          session,
          config: config ?? { model, options: resolveOptions(baseOptions({})) },
          spend: () => {
            admission.spend();
            minted.delete(session.id);
          },
        });
      } catch (err) {
        const { statusCode, body } =
          err instanceof ApiError
            ? { statusCode: err.statusCode, body: { error: { code: err.code, message: err.message } } }
            : describeError(err);
        if (statusCode === 401) deps.keys.noteFailure(req);
        return reply.code(statusCode).send(body);
      }
    },
    wsHandler: (socket, req) => {
      const entry = admitted.get(req);
      if (!entry) {
        socket.close(1011, 'not authorized');
        return;
      }
      if (entry.kind === 'secret') {
        try {
          entry.spend();
        } catch {
          socket.close(1008, 'client secret already used');
          return;
        }
        connect(socket, req, entry.session, entry.config);
        return;
      }
      // Hold the client's first events until its session exists; refusals arrive as an error event.
      socket.pause();
      void (async () => {
        try {
          const { created, config } = await create(entry.owner, { model: entry.model }, {});
          const session = await deps.sessions.authorize(created.token);
          connect(socket, req, session, config);
          socket.resume();
        } catch (err) {
          const { body } =
            err instanceof ApiError
              ? { body: { error: { code: err.code, message: err.message } } }
              : describeError(err);
          socket.resume();
          socket.send(
            JSON.stringify({
              type: 'error',
              error: { type: 'invalid_request_error', code: body.error.code, message: body.error.message },
            }),
          );
          socket.close(1013, body.error.code.slice(0, 100));
        }
      })();
    },
  });

  const connect = (socket: WebSocket, req: FastifyRequest, session: SessionApi, config: SessionConfig) => {
    const model = (req.query as { model?: unknown }).model;
    new RealtimeConnection(socket, session, {
      clock,
      model: typeof model === 'string' ? model : config.model,
      options: config.options,
      ...(config.turnDetection ? { turnDetection: config.turnDetection } : {}),
      ...(config.instructions !== undefined ? { instructions: config.instructions } : {}),
      ...(config.voice !== undefined ? { voice: config.voice } : {}),
      ...(config.inputFormat ? { inputFormat: config.inputFormat } : {}),
      ...(config.outputFormat ? { outputFormat: config.outputFormat } : {}),
      ...(deps.log ? { log: deps.log } : {}),
    });
    deps.log?.info({ sessionId: session.id }, 'realtime client connected');
  };
}

/** The key of the browser form `Sec-WebSocket-Protocol: realtime, openai-insecure-api-key.<key>`. */
function subprotocolKey(header: string | string[] | undefined): string | undefined {
  const list = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((p) => p.trim());
  const entry = list.find((p) => p.startsWith(SUBPROTOCOL_KEY));
  return entry ? entry.slice(SUBPROTOCOL_KEY.length) : undefined;
}
