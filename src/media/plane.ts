/**
 * The media plane: WebRTC (WHIP-style offer/answer) and WebSocket transports for sessions the
 * control plane created. Every route checks the session token with `deps.authorize` before it
 * allocates anything (the WebRTC route checks the offer first, so a bad one spends no token);
 * errors are `{error: {code, message}}` with a proper status.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Clock, SystemClock } from '../clock.js';
import type { SessionApi } from '../conversation/api.js';
import { describeError, MediaRequestError } from './errors.js';
import { checkOffer, MAX_OFFER_BYTES } from './webrtc/offer.js';
import { WebRtcTransport, type WebRtcTransportOptions } from './webrtc/webrtc-transport.js';
import { MAX_AUDIO_MESSAGE_BYTES } from './websocket/audio-message.js';
import { WebSocketTransport } from './websocket/ws-transport.js';

export { MediaAuthError, MediaRequestError } from './errors.js';

/** The pino-like logger the plane writes to. */
export interface MediaLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface MediaPlaneDeps {
  /** Resolves a session token to its session; throws MediaAuthError when missing, invalid or expired. */
  authorize(token: string | undefined): Promise<SessionApi>;
  log?: MediaLogger;
  /** Clock for pacing and media time. Default: a SystemClock. */
  clock?: Clock;
  /** WebRTC tuning (connect timeout, ICE host addresses, client buffer estimate). */
  webrtc?: Omit<WebRtcTransportOptions, 'clock' | 'onClosed'>;
}

interface ActiveMedia {
  transport: 'webrtc' | 'websocket';
  close(reason: string): Promise<void>;
}

export async function registerMediaPlane(app: FastifyInstance, deps: MediaPlaneDeps): Promise<void> {
  const clock = deps.clock ?? new SystemClock();
  const active = new Map<string, ActiveMedia>();
  const wsSessions = new WeakMap<FastifyRequest, SessionApi>();

  if (!app.hasDecorator('websocketServer')) {
    // Allow messages above our own cap so oversized ones get a clear error rather than a dropped socket.
    await app.register(websocket, { options: { maxPayload: 4 * MAX_AUDIO_MESSAGE_BYTES } });
  }

  const claim = (session: SessionApi, media: ActiveMedia) => {
    if (active.has(session.id)) {
      throw new MediaRequestError(
        `session ${session.id} already has a media connection (${active.get(session.id)?.transport})`,
        409,
        'media_already_connected',
      );
    }
    active.set(session.id, media);
  };
  const release = (sessionId: string, media: ActiveMedia) => {
    if (active.get(sessionId) === media) active.delete(sessionId);
  };

  app.addHook('onClose', async () => {
    await Promise.allSettled([...active.values()].map((m) => m.close('server_shutdown')));
    active.clear();
  });

  await app.register(async (media) => {
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
      // The token is single-use: a malformed offer is refused before it is spent, so the caller
      // can retry with a good one. The check allocates nothing.
      checkOffer(req.body);
      const session = await deps.authorize(bearerToken(req));
      const holder: ActiveMedia = { transport: 'webrtc', close: async () => undefined };
      claim(session, holder);
      try {
        const { answerSdp, transport } = await WebRtcTransport.answer(session, req.body, {
          ...deps.webrtc,
          clock,
          onClosed: (reason, stats) => {
            release(session.id, holder);
            deps.log?.info({ sessionId: session.id, reason, ...stats }, 'webrtc media closed');
          },
        });
        holder.close = (reason) => transport.close(reason);
        deps.log?.info({ sessionId: session.id }, 'webrtc media answered');
        return reply
          .code(201)
          .header('content-type', 'application/sdp')
          .header('location', `/v1/media/webrtc/${encodeURIComponent(session.id)}`)
          .send(answerSdp);
      } catch (err) {
        release(session.id, holder);
        // The token is spent on this attempt: end the session rather than leave it waiting for media.
        await session.close('media_failed').catch(() => undefined);
        throw err;
      }
    });

    media.get(
      '/v1/media/ws',
      {
        websocket: true,
        preValidation: async (req: FastifyRequest, reply: FastifyReply) => {
          const token = (req.query as { token?: unknown }).token;
          try {
            const session = await deps.authorize(typeof token === 'string' ? token : undefined);
            if (active.has(session.id)) {
              throw new MediaRequestError(
                `session ${session.id} already has a media connection`,
                409,
                'media_already_connected',
              );
            }
            wsSessions.set(req, session);
          } catch (err) {
            const { statusCode, body } = describeError(err);
            return reply.code(statusCode).send(body);
          }
        },
      },
      (socket, req) => {
        const session = wsSessions.get(req);
        if (!session) {
          socket.close(1011, 'not authorized');
          return;
        }
        const holder: ActiveMedia = { transport: 'websocket', close: async () => undefined };
        try {
          claim(session, holder);
        } catch (err) {
          socket.send(JSON.stringify({ type: 'media_error', ...describeError(err).body.error }));
          socket.close(1008, 'media already connected');
          return;
        }
        const transport = new WebSocketTransport(socket, session, { clock });
        holder.close = (reason) => transport.link.close(reason);
        socket.on('close', () => release(session.id, holder));
        deps.log?.info({ sessionId: session.id }, 'websocket media connected');
      },
    );
  });
}

function bearerToken(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1];
}
