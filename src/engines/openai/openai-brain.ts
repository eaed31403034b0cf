/**
 * A `Brain` over any OpenAI-compatible streaming chat-completions endpoint (OpenAI, Groq,
 * Ollama, vLLM, llama.cpp server), on the official `openai` client: text deltas as they stream,
 * tool calls assembled from their streamed argument fragments, token usage. Aborting the signal
 * (or stopping reading) closes the HTTP request at once; the client never retries, because the
 * runtime's fallback chain decides what happens next.
 *
 * Protocol: https://platform.openai.com/docs/api-reference/chat/create (streaming:
 * https://platform.openai.com/docs/api-reference/chat-streaming; errors:
 * https://platform.openai.com/docs/guides/error-codes).
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { type Brain, type BrainContext, type BrainDelta, type ChatMessage, EngineError } from '../types.js';
import { connectionFailure, guardedReply, otherFailure, type ReplyErrors } from '../llm/reply.js';
import { redact, type StreamGuard } from '../llm/stream-guard.js';

export interface OpenAiBrainOptions {
  /** API root including the version, e.g. "https://api.openai.com/v1" or "http://127.0.0.1:11434/v1". */
  baseUrl: string;
  model: string;
  /** Sent as a bearer token when set; servers that need none (llama.cpp, Ollama) get no Authorization header. */
  apiKey?: string;
  /** Sampling temperature; the server's default when unset. */
  temperature?: number;
  /** Cap on generated tokens; the server's default when unset. */
  maxTokens?: number;
  /** Longest wait for the answer to start, and then between two streamed chunks. Default 30000 ms. */
  timeoutMs?: number;
}

/** An HTTP error answer from the LLM server, with its status and the server's message. */
export class LlmHttpError extends EngineError {
  constructor(
    readonly status: number,
    message: string,
    fix?: string,
  ) {
    super('openai', `HTTP ${status}: ${message}`, fix);
    this.name = 'LlmHttpError';
  }
}

const ENGINE = 'openai';
export const DEFAULT_LLM_TIMEOUT_MS = 30_000;
/** Longest error text kept for the message; servers sometimes answer with whole HTML pages. */
const MAX_ERROR_CHARS = 500;
/**
 * The client insists on some key. Servers without auth get this placeholder (llama.cpp's own
 * convention), and the Authorization header is then removed so nothing pretends to be a key.
 */
const NO_KEY = 'sk-no-key-required';

type WireMessage = OpenAI.Chat.ChatCompletionMessageParam;
type WireToolCall = OpenAI.Chat.ChatCompletionChunk.Choice.Delta.ToolCall;

function toWireMessage(m: ChatMessage): WireMessage {
  if (m.role === 'assistant' && m.toolCalls && m.toolCalls.length > 0) {
    return {
      role: 'assistant',
      content: m.content || null,
      tool_calls: m.toolCalls.map((c) => ({
        id: c.id,
        type: 'function',
        function: { name: c.name, arguments: c.arguments },
      })),
    };
  }
  if (m.role === 'tool') return { role: 'tool', tool_call_id: m.toolCallId ?? '', content: m.content };
  return { role: m.role, content: m.content };
}

function fixFor(status: number): string | undefined {
  if (status === 401 || status === 403) return 'check PARLEY_LLM_API_KEY';
  if (status === 404) return 'check PARLEY_LLM_BASE_URL (it should end in /v1) and PARLEY_LLM_MODEL';
  if (status === 429) return 'the server is rate limiting; retry later or use another model';
  return undefined;
}

/** The server's own words from an SDK error: `{error:{message}}`, `{error:"…"}`, `{message}` or the raw body. */
function serverMessage(err: APIError): string {
  const body: unknown = err.error;
  if (typeof body === 'string' && body) return body.slice(0, MAX_ERROR_CHARS);
  if (typeof body === 'object' && body !== null) {
    const message = (body as { message?: unknown }).message;
    if (typeof message === 'string' && message) return message.slice(0, MAX_ERROR_CHARS);
  }
  // The SDK prefixes the status ("500 <body>"); the status is said separately.
  const text = err.message.replace(/^\d{3}\s+/, '').trim();
  return text.slice(0, MAX_ERROR_CHARS) || 'no error message';
}

/** Collects streamed tool-call fragments by index until the choice finishes. */
class ToolCallAssembler {
  private readonly calls = new Map<number, { id: string; name: string; arguments: string }>();

  add(fragment: WireToolCall): void {
    const index = fragment.index ?? 0;
    const call = this.calls.get(index) ?? { id: '', name: '', arguments: '' };
    if (fragment.id) call.id = fragment.id;
    if (fragment.function?.name) call.name += fragment.function.name;
    if (fragment.function?.arguments) call.arguments += fragment.function.arguments;
    this.calls.set(index, call);
  }

  drain(): BrainDelta[] {
    const out: BrainDelta[] = [...this.calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, c]) => ({
        type: 'tool_call',
        // Some servers (llama.cpp, older Ollama) omit ids; the conversation needs one to pair results.
        call: { id: c.id || `call_${index}`, name: c.name, arguments: c.arguments || '{}' },
      }));
    this.calls.clear();
    return out;
  }
}

export class OpenAiBrain implements Brain {
  readonly name: string;
  /** An LLM writes the call's rolling summary itself. */
  readonly capabilities = { summaries: true } as const;
  private readonly client: OpenAI;
  private readonly endpoint: string;
  private readonly timeoutMs: number;

  constructor(private readonly opts: OpenAiBrainOptions) {
    if (!opts.baseUrl) throw new EngineError(ENGINE, 'no base URL', 'set PARLEY_LLM_BASE_URL');
    if (!opts.model) throw new EngineError(ENGINE, 'no model', 'set PARLEY_LLM_MODEL');
    const baseURL = opts.baseUrl.replace(/\/+$/, '');
    this.endpoint = `${baseURL}/chat/completions`;
    this.name = `openai:${opts.model}`;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_LLM_TIMEOUT_MS;
    this.client = new OpenAI({
      baseURL,
      apiKey: opts.apiKey || NO_KEY,
      maxRetries: 0,
      timeout: this.timeoutMs,
      // Everything comes from the options: no OPENAI_* variable adds an organization or an admin key.
      organization: null,
      project: null,
      adminAPIKey: null,
      webhookSecret: null,
      // The client never logs (its debug log would show requests).
      logLevel: 'off',
      ...(opts.apiKey ? {} : { defaultHeaders: { Authorization: null } }),
    });
  }

  private request(ctx: BrainContext): OpenAI.Chat.ChatCompletionCreateParamsStreaming {
    const body: OpenAI.Chat.ChatCompletionCreateParamsStreaming = {
      model: this.opts.model,
      messages: ctx.messages.map(toWireMessage),
      stream: true,
      stream_options: { include_usage: true },
    };
    if (ctx.tools.length > 0) {
      body.tools = ctx.tools.map((t) => ({
        type: 'function',
        function: { name: t.name, description: t.description, parameters: t.parameters },
      }));
    }
    if (this.opts.temperature !== undefined) body.temperature = this.opts.temperature;
    if (this.opts.maxTokens !== undefined) body.max_tokens = this.opts.maxTokens;
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

  /** The request's chunks as deltas; returns the tool calls still assembling when it ended. */
  private async *stream(
    ctx: BrainContext,
    guard: StreamGuard,
  ): AsyncGenerator<BrainDelta, () => BrainDelta[]> {
    const stream = await this.client.chat.completions.create(this.request(ctx), { signal: guard.signal });
    const tools = new ToolCallAssembler();
    for await (const chunk of stream) {
      guard.touch();
      for (const choice of chunk.choices ?? []) {
        const content = choice.delta?.content;
        if (content) yield { type: 'text', text: content };
        for (const fragment of choice.delta?.tool_calls ?? []) tools.add(fragment);
        if (choice.finish_reason) yield* tools.drain();
      }
      if (chunk.usage) {
        yield {
          type: 'usage',
          inputTokens: chunk.usage.prompt_tokens ?? 0,
          outputTokens: chunk.usage.completion_tokens ?? 0,
        };
      }
    }
    // Streams cut short of a finish_reason still hand over what was assembled.
    return () => tools.drain();
  }

  /**
   * Asks for the model list once: a rejected key (401/403) or an unreachable server fails here,
   * at start, with its fix. Any other answer, or none within 5 s, is no evidence (a server
   * without that endpoint) and passes.
   */
  async check(): Promise<void> {
    try {
      await this.client.models.list({ timeout: 5000 });
    } catch (err) {
      const refused = err instanceof APIError && (err.status === 401 || err.status === 403);
      const unreachable = err instanceof APIConnectionError && !(err instanceof APIConnectionTimeoutError);
      if (refused || unreachable) throw this.engineError(err);
    }
  }

  private timeout(cause?: unknown): EngineError {
    return new EngineError(
      ENGINE,
      `no answer from ${this.endpoint} for ${this.timeoutMs} ms`,
      'check that the LLM server is running and not overloaded',
      { cause },
    );
  }

  private engineError(err: unknown): EngineError {
    const key = this.opts.apiKey;
    if (err instanceof APIConnectionError) {
      return connectionFailure(ENGINE, this.endpoint, err, key, 'check that the LLM server is running');
    }
    if (err instanceof APIError) {
      const message = redact(serverMessage(err), key);
      if (err.status === undefined) {
        return new EngineError(ENGINE, `the server reported an error mid-stream: ${message}`);
      }
      return new LlmHttpError(err.status, message, fixFor(err.status));
    }
    return otherFailure(ENGINE, this.endpoint, err, key);
  }
}
