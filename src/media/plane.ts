/**
 * The media plane: WebRTC (WHIP-style offer/answer) and WebSocket transports for sessions the
 * control plane created. Every route checks the session token before it allocates anything and
 * spends it only once media really connects: a completed upgrade, a successful answer (a bad
 * offer, a plain GET or a failed handshake spends nothing). A connection that drops abnormally
 * leaves its session detached for a grace period, and the client resumes it with the resume token
 * it was given (resume.ts). Errors are `{error: {code, message}}` with a proper status.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Clock, SystemClock } from '../clock.js';
import type { SessionApi } from '../conversation/api.js';
import { describeError, MediaAuthError, MediaRequestError } from './errors.js';
import {
  isResumeToken,
  type MediaAdmission,
  type MediaConnection,
  newResumeToken,
  ResumeBook,
} from './resume.js';
import { checkOffer, MAX_OFFER_BYTES } from './webrtc/offer.js';
import { WebRtcTransport, type WebRtcTransportOptions } from './webrtc/webrtc-transport.js';
import type { WebSocketTuning } from './media-tuning.js';
import { WebSocketTransport } from './websocket/ws-transport.js';
import { answerUpgradeRequired, WS_SERVER_OPTIONS } from './websocket/socket-limits.js';

export { MediaAuthError, MediaRequestError } from './errors.js';
export type { MediaAdmission } from './resume.js';

/** The pino-like logger the plane writes to. */
export interface MediaLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Response header of a WebRTC answer carrying the resume token (also sent in `hello`). */
export const RESUME_TOKEN_HEADER = 'parley-resume-token';

export interface MediaPlaneDeps {
  /**
   * Checks a session token without spending it; the plane calls `spend()` once media connects.
   * Throws MediaAuthError when missing, invalid, expired or used.
   */
  checkToken?(token: string | undefined): Promise<MediaAdmission>;
  /** Older one-step gate that spends the token when checking it (tests, bench); `checkToken` wins. */
  authorize?(token: string | undefined): Promise<SessionApi>;
  log?: MediaLogger;
  /** Clock for pacing, media time and the resume grace. Default: a SystemClock. */
  clock?: Clock;
  /** WebRTC tuning (connect timeout, ICE host addresses, client buffer estimate). */
  webrtc?: Omit<WebRtcTransportOptions, 'clock' | 'onClosed' | 'link'>;
  /** How long a session whose connection dropped waits for a resume, ms. Default 15000. */
  resumeGraceMs?: number;
  /** WebSocket heartbeats, no-audio timeout, send-buffer bounds and input burst allowance. */
  websocket?: WebSocketTuning;
}

export async function registerMediaPlane(app: FastifyInstance, deps: MediaPlaneDeps): Promise<void> {
  const clock = deps.clock ?? new SystemClock();
  const book = new ResumeBook({
    clock,
    ...(deps.resumeGraceMs !== undefined ? { graceMs: deps.resumeGraceMs } : {}),
    ...(deps.log ? { log: deps.log } : {}),
  });
  const wsAdmissions = new WeakMap<FastifyRequest, Admission>();

  /** A session token (first connection) or a resume token (coming back), checked, not spent. */
  const admit = async (token: string | undefined): Promise<Admission> => {
    if (isResumeToken(token)) return { ...book.check(token), resumed: true };
    const admission = deps.checkToken
      ? await deps.checkToken(token)
      : deps.authorize
        ? { session: await deps.authorize(token), spend: () => {} }
        : undefined;
    if (!admission) throw new Error('registerMediaPlane needs checkToken or authorize');
    if (book.connection(admission.session.id)) {
      throw new MediaRequestError(
        `session ${admission.session.id} already has a media connection`,
        409,
        'media_already_connected',
      );
    }
    return { ...admission, resumed: false, sessionToken: token };
  };

  if (!app.hasDecorator('websocketServer')) {
    // Messages above our own caps get a clear error rather than a dropped socket (socket-limits.ts).
    await app.register(websocket, { options: WS_SERVER_OPTIONS });
  }

  app.addHook('onClose', async () => {
    const sessions = book.sessions();
    book.clear();
    await Promise.allSettled(sessions.map((s) => s.close('server_shutdown')));
  });

  await app.register(async (media) => {
    // Offers are application/sdp only: any other body (text/plain, JSON…) is 415 unsupported_media_type.
    media.removeAllContentTypeParsers();
    media.addContentTypeParser(
      'application/sdp',
      { parseAs: 'string', bodyLimit: MAX_OFFER_BYTES },
      (_req, body, done) => done(null, body),
    );
    media.setErrorHandler((err, _req, reply) => {
      const { statusCode, body } = describeError(err);
      if (statusCode >= 500) deps.log?.warn({ err }, 'media request failed');
      void reply.code(statusCode).send(body);
    });

    media.post('/v1/media/webrtc', async (req, reply) => {
      // A malformed offer is refused before the token is even checked, and a failed answer spends
      // nothing: the caller can retry with the same token.
      checkOffer(req.body);
      const admission = await admit(bearerToken(req));
      const { session } = admission;
      const resumeToken = newResumeToken();
      let transport: WebRtcTransport | undefined;
      const connection: MediaConnection = {
        transport: 'webrtc',
        drop: (reason) => transport?.link.drop(reason),
        close: async (reason) => transport?.close(reason),
      };
      const answered = await WebRtcTransport.answer(session, req.body, {
        ...deps.webrtc,
        clock,
        link: { resumeToken, onLost: (reason) => book.lost(session.id, connection, reason) },
        onClosed: (reason, stats) =>
          deps.log?.info({ sessionId: session.id, reason, ...stats }, 'webrtc media closed'),
      });
      transport = answered.transport;
      try {
        admission.spend();
      } catch (err) {
        transport.link.drop('refused');
        throw err;
      }
      book.attach(session, connection, resumeToken, admission.sessionToken);
      deps.log?.info({ sessionId: session.id, resumed: admission.resumed }, 'webrtc media answered');
      return reply
        .code(201)
        .header('content-type', 'application/sdp')
        .header('location', webrtcResource(session.id))
        .header(RESUME_TOKEN_HEADER, resumeToken)
        .header('access-control-expose-headers', `location, ${RESUME_TOKEN_HEADER}`)
        .send(answered.answerSdp);
    });

    // The resource an answer's Location names: DELETE hangs up (bearer: the resume token or the
    // session token that connected).
    media.delete('/v1/media/webrtc/:sessionId', async (req, reply) => {
      const { sessionId } = req.params as { sessionId: string };
      const session = book.session(sessionId);
      if (!session) {
        throw new MediaRequestError(`no live media session ${sessionId}`, 404, 'session_not_found');
      }
      if (!book.mayHangUp(sessionId, bearerToken(req))) {
        throw new MediaAuthError(
          'hanging up needs the resume token or the session token of this call',
          401,
          'token_invalid',
        );
      }
      const connection = book.connection(sessionId);
      if (connection) await connection.close('hangup');
      else await session.close('hangup');
      return reply.code(204).send();
    });

    media.route({
      method: 'GET',
      url: '/v1/media/ws',
      // Without an Upgrade header nothing is checked or spent: the answer says what is missing.
      handler: async (_req, reply) => answerUpgradeRequired(reply),
      preValidation: async (req: FastifyRequest, reply: FastifyReply) => {
        if (!req.ws) return;
        const query = req.query as { token?: unknown; resume?: unknown };
        const token = typeof query.resume === 'string' ? query.resume : query.token;
        try {
          wsAdmissions.set(req, await admit(typeof token === 'string' ? token : undefined));
        } catch (err) {
          const { statusCode, body } = describeError(err);
          return reply.code(statusCode).send(body);
        }
      },
      // Runs only once the handshake completed: this is where the token is spent.
      wsHandler: (socket, req) => {
        const admission = wsAdmissions.get(req);
        if (!admission) {
          socket.close(1011, 'not authorized');
          return;
        }
        try {
          admission.spend();
        } catch (err) {
          socket.send(JSON.stringify({ type: 'media_error', ...describeError(err).body.error }));
          socket.close(1008, 'token refused');
          return;
        }
        const { session } = admission;
        const resumeToken = newResumeToken();
        let transport: WebSocketTransport | undefined;
        const connection: MediaConnection = {
          transport: 'websocket',
          drop: (reason) => transport?.link.drop(reason),
          close: async (reason) => transport?.link.close(reason),
        };
        transport = new WebSocketTransport(socket, session, {
          ...deps.websocket,
          clock,
          link: { resumeToken, onLost: (reason) => book.lost(session.id, connection, reason) },
        });
        book.attach(session, connection, resumeToken, admission.sessionToken);
        deps.log?.info({ sessionId: session.id, resumed: admission.resumed }, 'websocket media connected');
      },
    });
  });
}

interface Admission extends MediaAdmission {
  resumed: boolean;
  /** The session token of a first connection (it may hang up the call later). */
  sessionToken?: string | undefined;
}

/** Where a WebRTC call lives once answered (the answer's Location). */
export function webrtcResource(sessionId: string): string {
  return `/v1/media/webrtc/${encodeURIComponent(sessionId)}`;
}

function bearerToken(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1];
}
