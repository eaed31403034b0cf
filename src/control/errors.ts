/** Every control-plane error leaves as `{error: {code, message}}` with a fitting HTTP status. */
import type { FastifyError, FastifyInstance } from 'fastify';

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ErrorBody {
  error: { code: string; message: string };
}

/** Fastify's own error codes, renamed for API users. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_body',
  FST_ERR_VALIDATION: 'invalid_request',
};

function describe(err: FastifyError | ApiError | Error): { statusCode: number; body: ErrorBody } {
  const e = err as Partial<FastifyError> & { statusCode?: number; code?: string };
  const statusCode = typeof e.statusCode === 'number' && e.statusCode >= 400 ? e.statusCode : 500;
  let code: string;
  if (err instanceof ApiError) code = err.code;
  else if (typeof e.code === 'string' && FASTIFY_CODES[e.code]) code = FASTIFY_CODES[e.code] as string;
  else if (statusCode === 429) code = 'rate_limited';
  else if (typeof e.code === 'string' && /^[a-z_]+$/.test(e.code)) code = e.code;
  else code = statusCode >= 500 ? 'internal_error' : 'bad_request';
  // Internal details stay in the log, not in the reply; our own errors are written for users.
  const message = statusCode >= 500 && !(err instanceof ApiError) ? 'internal error' : err.message;
  return { statusCode, body: { error: { code, message } } };
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const { statusCode, body } = describe(err);
    if (statusCode >= 500 && !(err instanceof ApiError)) request.log.error({ err }, 'request failed');
    else request.log.info({ code: body.error.code, statusCode }, body.error.message);
    void reply.status(statusCode).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply
      .status(404)
      .send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url}` } });
  });
}
