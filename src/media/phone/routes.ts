/**
 * Phone calls through Twilio: the voice webhook that answers an incoming call and the Media Streams
 * WebSocket the call's audio then flows on. See docs/phone.md.
 *
 * - `POST /v1/phone/twilio/voice` (form-encoded, signed with `X-Twilio-Signature`): a valid request
 *   creates a session with the telephony preset and answers TwiML `<Connect><Stream>` carrying the
 *   session's short-lived media token; a missing or wrong signature gets 403 and creates nothing.
 * - `GET /v1/phone/twilio/media` (WebSocket): Twilio's bidirectional Media Streams protocol
 *   (twilio-stream.ts); the token arrives in the `start` message.
 *
 * Without an auth token configured both routes answer 503 `phone_not_configured`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SessionApi } from '../../conversation/api.js';
import { errorBody } from '../errors.js';
import type { MediaLogger } from '../plane.js';
import type { TwilioStreamOptions } from './stream-options.js';
import { TwilioMediaStream } from './twilio-stream.js';
import {
  connectStreamTwiml,
  type FormParams,
  parseForm,
  sayAndHangUpTwiml,
  validTwilioSignature,
} from './twilio-webhook.js';

export const TWILIO_VOICE_PATH = '/v1/phone/twilio/voice';
export const TWILIO_MEDIA_PATH = '/v1/phone/twilio/media';

export interface PhoneOptions {
  /** The Twilio account's auth token: the key of `X-Twilio-Signature`. Unset → the phone routes answer 503. */
  twilioAuthToken?: string;
  /**
   * The public base URL Twilio reaches this server at (`https://parley.example.com`); the webhook
   * signature is checked against it plus the request path, and the stream URL is built from it.
   * Default: the request's own scheme and Host header.
   */
  publicUrl?: string;
  /** Media stream tuning (timeouts, mark spacing). */
  stream?: Omit<TwilioStreamOptions, 'authorize' | 'log' | 'onSession' | 'onClosed'>;
}

/** `TWILIO_AUTH_TOKEN` and `PARLEY_PUBLIC_URL`. */
export function phoneOptionsFromEnv(env: NodeJS.ProcessEnv): PhoneOptions {
  return {
    ...(env.TWILIO_AUTH_TOKEN ? { twilioAuthToken: env.TWILIO_AUTH_TOKEN } : {}),
    ...(env.PARLEY_PUBLIC_URL ? { publicUrl: env.PARLEY_PUBLIC_URL } : {}),
  };
}

/** Budget and session options are the control plane's; the phone routes pass them through. */
export interface PhoneRouteDeps<Budget, Options> {
  sessions: {
    create(req: {
      ownerKey: string;
      agent: string;
      budget: Budget;
      options: Options;
    }): Promise<{ sessionId: string; token: string }>;
    authorize(token: string | undefined): Promise<SessionApi>;
    /** Shutting down: new calls are refused with 503 so Twilio tries the number's fallback URL. */
    readonly isDraining?: boolean;
  };
  /** The agent phone calls reach. */
  agent: string;
  /** Limits of each call. */
  budget: Budget;
  /** Options of every phone session: the server composes the telephony preset and the greeting. */
  sessionOptions: Options;
  phone: PhoneOptions;
  log?: MediaLogger;
}

const NOT_CONFIGURED = errorBody(
  'phone_not_configured',
  'phone calls are not configured on this server: set TWILIO_AUTH_TOKEN (and PARLEY_PUBLIC_URL)',
);

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function requestOrigin(req: FastifyRequest): string {
  return `${req.protocol}://${req.headers.host ?? 'localhost'}`;
}

export async function registerPhoneRoutes<Budget, Options>(
  app: FastifyInstance,
  deps: PhoneRouteDeps<Budget, Options>,
): Promise<void> {
  const authToken = deps.phone.twilioAuthToken;
  const publicBase = deps.phone.publicUrl?.replace(/\/+$/, '');
  const active = new Set<TwilioMediaStream>();

  app.addHook('onClose', async () => {
    await Promise.allSettled([...active].map((s) => s.close('server_shutdown')));
    active.clear();
  });

  await app.register(async (phone) => {
    phone.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 64 * 1024 },
      (_req, body, done) => done(null, parseForm(body as string)),
    );

    phone.post(TWILIO_VOICE_PATH, async (req, reply) => {
      if (!authToken) return reply.code(503).send(NOT_CONFIGURED);
      const params: FormParams =
        typeof req.body === 'object' && req.body !== null ? (req.body as FormParams) : {};
      // Twilio signs the URL it called: the configured public one, else what this request names.
      const signedUrl = `${publicBase ?? requestOrigin(req)}${req.url}`;
      const signature = req.headers['x-twilio-signature'];
      if (
        !validTwilioSignature(
          authToken,
          typeof signature === 'string' ? signature : undefined,
          signedUrl,
          params,
        )
      ) {
        deps.log?.warn(
          { url: signedUrl, signed: signature !== undefined },
          'phone webhook: bad X-Twilio-Signature',
        );
        return reply
          .code(403)
          .send(errorBody('invalid_signature', 'the X-Twilio-Signature header is missing or does not match'));
      }
      if (deps.sessions.isDraining)
        return reply
          .code(503)
          .send(
            errorBody('draining', 'this server is shutting down and takes no new calls; try again later'),
          );
      const accountSid = first(params.AccountSid) ?? 'unknown';
      const callSid = first(params.CallSid);
      let created: { sessionId: string; token: string };
      try {
        created = await deps.sessions.create({
          ownerKey: `phone:${accountSid}`,
          agent: deps.agent,
          budget: deps.budget,
          options: deps.sessionOptions,
        });
      } catch (err) {
        // Twilio plays a webhook failure as an application error; a spoken apology is kinder.
        deps.log?.warn({ err, callSid }, 'phone webhook: no session for the call');
        return reply
          .type('text/xml')
          .send(sayAndHangUpTwiml('Sorry, we cannot take your call right now. Please try again later.'));
      }
      const streamBase = (publicBase ?? requestOrigin(req)).replace(/^http/i, 'ws');
      deps.log?.info({ sessionId: created.sessionId, callSid }, 'phone call answered');
      return reply
        .header('cache-control', 'no-store')
        .type('text/xml')
        .send(
          connectStreamTwiml(`${streamBase}${TWILIO_MEDIA_PATH}`, {
            token: created.token,
            sessionId: created.sessionId,
          }),
        );
    });

    phone.get(
      TWILIO_MEDIA_PATH,
      {
        websocket: true,
        preValidation: async (_req: FastifyRequest, reply: FastifyReply) => {
          if (!authToken) return reply.code(503).send(NOT_CONFIGURED);
        },
      },
      (socket) => {
        const stream: TwilioMediaStream = new TwilioMediaStream(socket, {
          ...deps.phone.stream,
          authorize: (token) => deps.sessions.authorize(token),
          ...(deps.log ? { log: deps.log } : {}),
          onClosed: () => active.delete(stream),
        });
        active.add(stream);
      },
    );
  });
}
