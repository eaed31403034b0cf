/** Errors the media plane turns into `{error: {code, message}}` replies with a proper HTTP status. */

/** A missing, invalid or expired session token; thrown by the control plane's `authorize`. */
export class MediaAuthError extends Error {
  constructor(
    message: string,
    readonly statusCode = 401,
    readonly code = 'unauthorized',
  ) {
    super(message);
    this.name = 'MediaAuthError';
  }
}

/** Bad media input from a client (malformed SDP, no Opus, a session already connected…). */
export class MediaRequestError extends Error {
  constructor(
    message: string,
    readonly statusCode = 400,
    readonly code = 'bad_request',
  ) {
    super(message);
    this.name = 'MediaRequestError';
  }
}

export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

/**
 * Fastify's own error codes, renamed for API users (docs/api.md lists only these), so no raw
 * `FST_ERR_*` code ever reaches a client. The control plane's handler uses the same table.
 */
export const FASTIFY_ERROR_CODES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_body',
  FST_ERR_CTP_INVALID_CHARSET: 'unsupported_media_type',
  FST_ERR_VALIDATION: 'invalid_request',
  FST_ERR_BAD_URL: 'invalid_url',
};

/** The documented code for an error that carries no code of ours, by HTTP status. */
export function codeForStatus(statusCode: number): string {
  if (statusCode === 403) return 'forbidden';
  if (statusCode === 404) return 'not_found';
  if (statusCode === 413) return 'body_too_large';
  if (statusCode === 415) return 'unsupported_media_type';
  if (statusCode === 429) return 'rate_limited';
  return statusCode >= 500 ? 'internal_error' : 'bad_request';
}

/** Status and body for any error thrown while handling a media request. */
export function describeError(err: unknown): { statusCode: number; body: ErrorBody } {
  if (err instanceof MediaAuthError || err instanceof MediaRequestError) {
    return { statusCode: err.statusCode, body: errorBody(err.code, err.message) };
  }
  const e = err as { statusCode?: unknown; code?: unknown; message?: unknown } | undefined;
  const statusCode =
    typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500;
  const raw = typeof e?.code === 'string' ? e.code : undefined;
  // Only our own snake_case codes pass through; framework codes are renamed, anything else generic.
  const renamed = raw === undefined ? undefined : FASTIFY_ERROR_CODES[raw];
  const code = renamed ?? (raw && /^[a-z][a-z0-9_]*$/.test(raw) ? raw : codeForStatus(statusCode));
  // Internal details stay in the log, not in the reply.
  const message =
    statusCode >= 500 ? 'internal error' : typeof e?.message === 'string' ? e.message : String(err);
  return { statusCode, body: errorBody(code, message) };
}
