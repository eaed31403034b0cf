/** Every control-plane error leaves as `{error: {code, message}}` with a fitting HTTP status. */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { codeForStatus, FASTIFY_ERROR_CODES } from '../media/errors.js';

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

function describe(err: FastifyError | ApiError | Error): { statusCode: number; body: ErrorBody } {
  const e = err as Partial<FastifyError> & { statusCode?: number; code?: string };
  const statusCode = typeof e.statusCode === 'number' && e.statusCode >= 400 ? e.statusCode : 500;
  let code: string;
  if (err instanceof ApiError) code = err.code;
  else if (typeof e.code === 'string' && FASTIFY_ERROR_CODES[e.code])
    code = FASTIFY_ERROR_CODES[e.code] as string;
  else if (statusCode === 429) code = 'rate_limited';
  else if (typeof e.code === 'string' && /^[a-z_]+$/.test(e.code)) code = e.code;
  else code = codeForStatus(statusCode);
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
      .send({ error: { code: 'not_found', message: `no route ${request.method} ${pathOf(request.url)}` } });
  });
  // Plugins answer some errors with no body at all (@fastify/websocket sends an empty 404 to a plain
  // GET on a WebSocket route): give every error reply the documented body.
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode < 400 || request.method === 'HEAD') return payload;
    if (payload !== undefined && payload !== null && payload !== '') return payload;
    const path = pathOf(request.url);
    const message =
      reply.statusCode === 404 && request.routeOptions.url !== undefined
        ? `${request.method} ${path} only accepts a WebSocket upgrade`
        : `${request.method} ${path} failed with status ${reply.statusCode}`;
    void reply.header('content-type', 'application/json; charset=utf-8');
    return JSON.stringify({ error: { code: codeForStatus(reply.statusCode), message } });
  });
}

/**
 * Fastify's `frameworkErrors` option: errors raised before routing (a malformed URL such as `/%`)
 * get the documented body instead of Fastify's own `FST_ERR_*` one.
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { statusCode, body } = describe(err);
  request.log.info({ code: body.error.code, statusCode }, body.error.message);
  void reply.status(statusCode).send(body);
}

/** The path of a request URL, without its query (which may carry a token). */
function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}
