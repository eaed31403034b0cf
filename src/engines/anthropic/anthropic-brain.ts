/**
 * A `Brain` over the Anthropic Messages API, streaming, on the official `@anthropic-ai/sdk`:
 * text deltas as they stream, `tool_use` blocks assembled from their `input_json_delta`
 * fragments into tool calls, token usage from `message_start` / `message_delta`. Aborting the
 * signal (or stopping reading) closes the HTTP request at once; the client never retries,
 * because the runtime's fallback chain decides what happens next. No sampling temperature is sent:
 * API version 2026-10-21, which the SDK speaks, refuses `temperature`, `top_p` and `top_k` (400).
 *
 * Protocol: https://docs.anthropic.com/en/api/messages-streaming (events),
 * https://docs.anthropic.com/en/api/messages (request), https://docs.anthropic.com/en/api/errors.
 */
import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError } from '@anthropic-ai/sdk';
import { connectionFailure, guardedReply, otherFailure, type ReplyErrors } from '../llm/reply.js';
import { redact, type StreamGuard } from '../llm/stream-guard.js';
import { type Brain, type BrainContext, type BrainDelta, EngineError } from '../types.js';
import { toAnthropicConversation, toAnthropicTools } from './messages.js';

export interface AnthropicBrainOptions {
  /** Sent in `x-api-key`; without one (an Anthropic-compatible server that needs none) no key header is sent. */
  apiKey?: string;
  /** A model id, e.g. "claude-haiku-4-5". Default `DEFAULT_ANTHROPIC_MODEL`. */
  model?: string;
  /** API root without the version path. Default "https://api.anthropic.com". */
  baseUrl?: string;
  /** Cap on generated tokens (the API requires one). Default 1024: a spoken turn is short. */
  maxTokens?: number;
  /** Longest wait for the answer to start, and then between two streamed events. Default 30000 ms. */
  timeoutMs?: number;
}

/** Fast and inexpensive: what a voice turn needs. */
export const DEFAULT_ANTHROPIC_MODEL = 'claude-haiku-4-5';
export const DEFAULT_ANTHROPIC_URL = 'https://api.anthropic.com';
const ENGINE = 'anthropic';
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_TOKENS = 1024;
const MAX_ERROR_CHARS = 500;
const NO_KEY = 'no-key-required';

/** An HTTP error answer from the Messages API: its status, error type and message. */
export class AnthropicHttpError extends EngineError {
  constructor(
    readonly status: number,
    readonly type: string | undefined,
    message: string,
    fix?: string,
  ) {
    super(ENGINE, `HTTP ${status}${type ? ` ${type}` : ''}: ${message}`, fix);
    this.name = 'AnthropicHttpError';
  }
}

function fixFor(status: number): string | undefined {
  if (status === 401) return 'check ANTHROPIC_API_KEY';
  if (status === 403) return 'check that the key in ANTHROPIC_API_KEY may use this model';
  if (status === 404)
    return 'check PARLEY_ANTHROPIC_MODEL (a model id such as claude-haiku-4-5) and PARLEY_ANTHROPIC_URL';
  if (status === 429) return 'the account is rate limited; retry later or raise its rate limits';
  if (status === 529) return 'the API is overloaded; retry later or fall back to another brain';
  return undefined;
}

/** The server's own words from an SDK error: `{type:'error', error:{type, message}}` or the raw body. */
function serverMessage(err: APIError): string {
  const message = err.apiMessage ?? err.message.replace(/^\d{3}\s+/, '');
  return message.trim().slice(0, MAX_ERROR_CHARS) || 'no error message';
}

export class AnthropicBrain implements Brain {
  readonly name: string;
  /** An LLM writes the call's rolling summary itself. */
  readonly capabilities = { summaries: true } as const;
  private readonly client: Anthropic;
  private readonly model: string;
  private readonly endpoint: string;
  private readonly timeoutMs: number;

  constructor(private readonly opts: AnthropicBrainOptions) {
    if (!opts.apiKey && !opts.baseUrl) throw new EngineError(ENGINE, 'no API key', 'set ANTHROPIC_API_KEY');
    this.model = opts.model || DEFAULT_ANTHROPIC_MODEL;
    this.name = `anthropic:${this.model}`;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const baseURL = (opts.baseUrl || DEFAULT_ANTHROPIC_URL).replace(/\/+$/, '');
    this.endpoint = `${baseURL}/v1/messages`;
    this.client = new Anthropic({
      // Always given, so the client never falls back to ANTHROPIC_BASE_URL or a credentials file.
      baseURL,
      // The client needs some key; without one, the placeholder is never sent (its header is removed).
      apiKey: opts.apiKey || NO_KEY,
      maxRetries: 0,
      timeout: this.timeoutMs,
      // The key goes in `x-api-key`, as the API reference documents, rather than as a bearer token.
      defaultHeaders: { ...(opts.apiKey ? { 'x-api-key': opts.apiKey } : {}), Authorization: null },
      // The client never logs (its debug log would show requests).
      logLevel: 'off',
    });
  }

  /**
   * Asks for the model list once: a rejected key or an unreachable server fails here, with its
   * fix, rather than at the caller's first turn. Other answers (a proxy without that endpoint)
   * are no evidence and pass.
   */
  async check(signal?: AbortSignal): Promise<void> {
    try {
      await this.client.models.list({ limit: 1 }, { ...(signal ? { signal } : {}) });
    } catch (err) {
      if (err instanceof APIError && err.status !== undefined && err.status !== 401 && err.status !== 403) {
        return;
      }
      throw this.engineError(err);
    }
  }

  private request(ctx: BrainContext): Anthropic.MessageCreateParamsStreaming {
    const { system, messages } = toAnthropicConversation(ctx.messages);
    const body: Anthropic.MessageCreateParamsStreaming = {
      model: this.model,
      max_tokens: this.opts.maxTokens ?? DEFAULT_MAX_TOKENS,
      messages,
      stream: true,
    };
    if (system) body.system = system;
    if (ctx.tools.length > 0) body.tools = toAnthropicTools(ctx.tools);
    return body;
  }

  respond(ctx: BrainContext, signal: AbortSignal): AsyncIterable<BrainDelta> {
    return guardedReply(signal, this.timeoutMs, this.errors, (guard) => this.stream(ctx, guard));
  }

  private readonly errors: ReplyErrors = {
    timeout: (cause) => this.timeout(cause),
    isTimeout: (err) => err instanceof APIConnectionTimeoutError,
    failure: (err) => this.engineError(err),
  };

  /** The request's events as deltas; returns the usage to yield once the message stopped. */
  private async *stream(
    ctx: BrainContext,
    guard: StreamGuard,
  ): AsyncGenerator<BrainDelta, () => BrainDelta[]> {
    const stream = await this.client.messages.create(this.request(ctx), { signal: guard.signal });
    const toolUses = new Map<number, { id: string; name: string; json: string }>();
    let usage: { input: number; output: number } | undefined;
    let stopped = false;
    for await (const event of stream) {
      guard.touch();
      switch (event.type) {
        case 'message_start': {
          const u = event.message.usage;
          const input =
            u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
          usage = { input, output: u.output_tokens };
          break;
        }
        case 'content_block_start': {
          const block = event.content_block;
          if (block.type === 'tool_use')
            toolUses.set(event.index, { id: block.id, name: block.name, json: '' });
          else if (block.type === 'text' && block.text) yield { type: 'text', text: block.text };
          break;
        }
        case 'content_block_delta': {
          const delta = event.delta;
          if (delta.type === 'text_delta' && delta.text) yield { type: 'text', text: delta.text };
          else if (delta.type === 'input_json_delta') {
            const use = toolUses.get(event.index);
            if (use) use.json += delta.partial_json;
          }
          break;
        }
        case 'content_block_stop': {
          const use = toolUses.get(event.index);
          if (use) {
            toolUses.delete(event.index);
            yield { type: 'tool_call', call: { id: use.id, name: use.name, arguments: use.json || '{}' } };
          }
          break;
        }
        case 'message_delta': {
          // Cumulative counts: the last message_delta has the totals.
          const u = event.usage;
          usage ??= { input: 0, output: 0 };
          usage.output = u.output_tokens;
          if (u.input_tokens != null) {
            usage.input =
              u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
          }
          break;
        }
        case 'message_stop':
          stopped = true;
          break;
      }
    }
    return (): BrainDelta[] => {
      if (!stopped) throw new EngineError(ENGINE, 'the stream ended before message_stop (connection cut?)');
      return usage ? [{ type: 'usage', inputTokens: usage.input, outputTokens: usage.output }] : [];
    };
  }

  private timeout(cause?: unknown): EngineError {
    return new EngineError(
      ENGINE,
      `no answer from ${this.endpoint} for ${this.timeoutMs} ms`,
      'check PARLEY_ANTHROPIC_URL and the network, or fall back to another brain',
      { cause },
    );
  }

  private engineError(err: unknown): EngineError {
    const key = this.opts.apiKey;
    if (err instanceof APIConnectionTimeoutError) return this.timeout(err);
    if (err instanceof APIConnectionError) {
      const fix = 'check PARLEY_ANTHROPIC_URL and that the server is reachable';
      return connectionFailure(ENGINE, this.endpoint, err, key, fix);
    }
    if (err instanceof APIError) {
      const message = redact(serverMessage(err), key);
      const type = err.type ?? undefined;
      if (err.status === undefined) {
        return new EngineError(
          ENGINE,
          `the server reported an error mid-stream: ${type ? `${type}: ` : ''}${message}`,
        );
      }
      return new AnthropicHttpError(err.status, type, message, fixFor(err.status));
    }
    return otherFailure(ENGINE, this.endpoint, err, key);
  }
}
