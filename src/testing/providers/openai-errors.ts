/**
 * OpenAI's error answers as both local OpenAI servers (chat, audio) give them: the
 * `{error:{message, type, param, code}}` body, the 401s of a missing or wrong bearer key, and
 * the 429 and 500 bodies. https://platform.openai.com/docs/guides/error-codes
 */
import type { ServerResponse } from 'node:http';

export interface ErrorBody {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

export const invalid = (
  message: string,
  param: string | null = null,
  code: string | null = null,
): ErrorBody => ({
  message,
  type: 'invalid_request_error',
  param,
  code,
});

export const RATE_LIMITED: ErrorBody = {
  message: 'Rate limit reached for requests. Please try again in 20s.',
  type: 'requests',
  param: null,
  code: 'rate_limit_exceeded',
};

export const SERVER_ERROR: ErrorBody = {
  message: 'The server had an error while processing your request. Sorry about that!',
  type: 'server_error',
  param: null,
  code: null,
};

export function sendError(res: ServerResponse, status: number, error: ErrorBody): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error }));
}

/** OpenAI's 401 answers: no key, or a wrong one (quoted with its middle masked). */
export function authError(header: string | undefined, key: string): ErrorBody | undefined {
  if (!header?.startsWith('Bearer ')) {
    return invalid(
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
    );
  }
  const given = header.slice('Bearer '.length);
  if (given === key) return undefined;
  const masked = `${given.slice(0, 3)}${'*'.repeat(Math.max(0, given.length - 7))}${given.slice(-4)}`;
  return invalid(
    `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    null,
    'invalid_api_key',
  );
}
