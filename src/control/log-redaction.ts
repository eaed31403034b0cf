/**
 * Secrets stay out of the logs: media tokens and resume tokens travel in WebSocket URLs
 * (`/v1/media/ws?token=…`), and keys in `Authorization` or `Sec-WebSocket-Protocol` headers. The
 * request serializer logs URLs with such query values replaced, and pino's redaction covers the
 * headers wherever a log line carries them.
 */
import type { FastifyServerOptions } from 'fastify';

export const REDACTED = '[redacted]';

/** Query parameters whose values are secrets (token, resume, key, client_secret, signature…). */
const SECRET_PARAM = /token|resume|key|secret|sig|auth|pass/i;

/** `url` with the values of secret-looking query parameters replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // A malformed name is logged as sent.
      }
      return eq >= 0 && SECRET_PARAM.test(decoded) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}

const SECRET_HEADERS = [
  'authorization',
  'cookie',
  'sec-websocket-protocol',
  'x-twilio-signature',
  'x-api-key',
];

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

type LoggerOption = FastifyServerOptions['logger'];

/** `logger` with the redacting request serializer and header redaction; false stays false. */
export function withLogRedaction(logger: LoggerOption): LoggerOption {
  if (logger === false || logger === undefined) return logger;
  const base = logger === true ? {} : logger;
  const given = (base as { redact?: unknown }).redact;
  const givenPaths = Array.isArray(given) ? (given as string[]) : [];
  return {
    ...base,
    serializers: {
      ...base.serializers,
      req: (req: LoggedRequest) => ({
        method: req.method,
        url: redactUrl(req.url ?? ''),
        host: req.host,
        remoteAddress: req.ip,
        remotePort: req.socket?.remotePort,
      }),
    },
    redact: {
      paths: [...givenPaths, ...SECRET_HEADERS.flatMap((h) => [`req.headers["${h}"]`, `headers["${h}"]`])],
      censor: REDACTED,
    },
  } as LoggerOption;
}
