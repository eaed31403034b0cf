/**
 * The `openai` client as both audio adapters use it (transcription here, speech in
 * ../openai-tts/), and its failures turned into EngineErrors that name the fix and never the key.
 *
 * Error bodies: https://platform.openai.com/docs/guides/error-codes (401 invalid_api_key,
 * 429 rate_limit_exceeded, 500 server_error), authentication:
 * https://platform.openai.com/docs/api-reference/authentication (Authorization: Bearer).
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { EngineError } from '../types.js';

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/**
 * The API root (no trailing slash; api.openai.com when unset) and key an adapter is configured
 * with. Only api.openai.com requires a key: local servers often take none.
 */
export function openAiEndpoint(
  rawUrl: string | undefined,
  rawKey: string | undefined,
  spec: { engine: string; keyVar: string; urlVar: string; localServers: string },
): { baseUrl: string; apiKey: string | undefined } {
  const baseUrl = (rawUrl?.trim() || OPENAI_BASE_URL).replace(/\/+$/, '');
  const apiKey = rawKey?.trim() || undefined;
  if (!apiKey && baseUrl === OPENAI_BASE_URL) {
    throw new EngineError(
      spec.engine,
      'no API key for api.openai.com',
      `set ${spec.keyVar}, or ${spec.urlVar} for a server that needs none (${spec.localServers})`,
    );
  }
  return { baseUrl, apiKey };
}

export interface AudioClientOptions {
  /** API root with the version, e.g. https://api.openai.com/v1 or http://127.0.0.1:8080/v1. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer`; unset for local servers that take no key (no header is sent). */
  apiKey?: string;
  /** Longest wait for a response's headers, in ms (the SDK's `timeout`). */
  timeoutMs: number;
}

/**
 * A client that reads nothing from process.env that matters (key, URL, organization and project
 * are all given) and never retries: the runtime's fallback chain decides what happens next.
 */
export function createAudioClient(opts: AudioClientOptions): OpenAI {
  return new OpenAI({
    // The SDK insists on a credential; without a key the header is removed below.
    apiKey: opts.apiKey ?? 'no-key',
    adminAPIKey: null,
    organization: null,
    project: null,
    webhookSecret: null,
    baseURL: opts.baseUrl,
    maxRetries: 0,
    timeout: opts.timeoutMs,
    logLevel: 'off',
    ...(opts.apiKey ? {} : { defaultHeaders: { Authorization: null } }),
  });
}

/** Where an error happened and which settings fix it. */
export interface ApiErrorContext {
  /** The EngineError's engine label ('openai-stt', 'openai-tts'). */
  engine: string;
  /** The endpoint called, e.g. `${base}/audio/transcriptions` (shown without credentials). */
  url: string;
  /** Environment variables to name in fixes. */
  keyVar: string;
  urlVar: string;
  modelVar: string;
  /** The request timeout, for the message when it fires. */
  timeoutMs: number;
  /** The API key, scrubbed from any text a server sent back. */
  apiKey?: string;
}

const MAX_MESSAGE_CHARS = 300;

/** A URL as it may be shown: no user, password, query or fragment. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`.replace(/\/+$/, '');
  } catch {
    return '(an invalid URL)';
  }
}

/** Server text made safe to show: the key and anything shaped like an OpenAI key are removed. */
function scrub(text: string, apiKey: string | undefined): string {
  let out = text;
  if (apiKey) out = out.split(apiKey).join('***');
  out = out.replace(/\bsk-[A-Za-z0-9_*.-]+/g, 'sk-***');
  return out.trim().slice(0, MAX_MESSAGE_CHARS) || 'no message';
}

function serverMessage(err: APIError, apiKey: string | undefined): string {
  const body = err.error as { message?: unknown } | undefined;
  const text = typeof body?.message === 'string' ? body.message : err.message;
  return scrub(text, apiKey);
}

/** The innermost message of an error chain: "connect ECONNREFUSED …", "other side closed". */
function rootCause(err: Error): string {
  let at: unknown = err;
  while (at instanceof Error && at.cause instanceof Error) at = at.cause;
  return at instanceof Error ? at.message : String(at);
}

/** Any failure of a request (an SDK error, a dropped stream) as an EngineError with its fix. */
export function audioApiError(err: unknown, ctx: ApiErrorContext): EngineError {
  if (err instanceof EngineError) return err;
  const where = displayUrl(ctx.url);
  if (err instanceof APIConnectionTimeoutError) {
    return new EngineError(
      ctx.engine,
      `no answer from ${where} within ${ctx.timeoutMs} ms`,
      `check that the server at ${ctx.urlVar} is up, or raise timeoutMs`,
      { cause: err },
    );
  }
  if (err instanceof APIConnectionError) {
    return new EngineError(
      ctx.engine,
      `the connection to ${where} failed (${scrub(rootCause(err), ctx.apiKey)})`,
      `check ${ctx.urlVar} and that the server is running`,
      { cause: err },
    );
  }
  if (err instanceof APIError && err.status !== undefined) {
    const status = err.status;
    // A 401's own message quotes part of the key (OpenAI masks the middle): it is never shown.
    if (status === 401) {
      const code = typeof err.code === 'string' ? `, ${err.code}` : '';
      return new EngineError(
        ctx.engine,
        `${where} rejected the API key (HTTP 401${code})`,
        `check ${ctx.keyVar}`,
      );
    }
    const message = serverMessage(err, ctx.apiKey);
    const fixes: Record<number, string> = {
      400: `check ${ctx.modelVar} and the engine's parameters`,
      403: `check that the key in ${ctx.keyVar} may use this model and endpoint`,
      404: `check ${ctx.urlVar} (it should end in /v1) and ${ctx.modelVar}`,
      429: 'the server is rate limiting or the quota is used up; retry later or raise the limit',
    };
    return new EngineError(
      ctx.engine,
      `${where} answered HTTP ${status}: ${message}`,
      fixes[status] ?? (status >= 500 ? 'the server failed; retry later or check its logs' : undefined),
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new EngineError(
    ctx.engine,
    `request to ${where} failed: ${scrub(message, ctx.apiKey)}`,
    `check that the server at ${ctx.urlVar} is up`,
    { cause: err },
  );
}
