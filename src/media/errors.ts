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

/** Status and body for any error thrown while handling a media request. */
export function describeError(err: unknown): { statusCode: number; body: ErrorBody } {
  if (err instanceof MediaAuthError || err instanceof MediaRequestError) {
    return { statusCode: err.statusCode, body: errorBody(err.code, err.message) };
  }
  const e = err as { statusCode?: unknown; code?: unknown; message?: unknown } | undefined;
  const statusCode = typeof e?.statusCode === 'number' && e.statusCode >= 400 ? e.statusCode : 500;
  const code = typeof e?.code === 'string' ? e.code : statusCode === 500 ? 'internal_error' : 'bad_request';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return { statusCode, body: errorBody(code, message) };
}
