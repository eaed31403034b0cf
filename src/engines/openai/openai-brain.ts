/**
 * A `Brain` over any OpenAI-compatible streaming chat-completions endpoint (OpenAI, Groq,
 * Ollama, vLLM, llama.cpp server): text deltas as they stream, tool calls assembled from their
 * streamed argument fragments, token usage. Aborting the signal closes the HTTP request.
 */
import { type Brain, type BrainContext, type BrainDelta, type ChatMessage, EngineError } from '../types.js';
import { sseData } from './sse.js';

export interface OpenAiBrainOptions {
  /** API root including the version, e.g. "https://api.openai.com/v1" or "http://127.0.0.1:11434/v1". */
  baseUrl: string;
  model: string;
  /** Sent as a bearer token when set. */
  apiKey?: string;
  /** Sampling temperature; the server's default when unset. */
  temperature?: number;
  /** Cap on generated tokens; the server's default when unset. */
  maxTokens?: number;
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
/** Longest error body kept for the message; servers sometimes answer with whole HTML pages. */
const MAX_ERROR_CHARS = 500;

interface WireToolCall {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

interface WireChunk {
  choices?: {
    delta?: { content?: string | null; tool_calls?: WireToolCall[] };
    finish_reason?: string | null;
  }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string } | string;
}

function toWireMessage(m: ChatMessage): Record<string, unknown> {
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

function errorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: string } | string; message?: string };
    const err = parsed.error;
    if (typeof err === 'string') return err;
    if (err?.message) return err.message;
    if (parsed.message) return parsed.message;
  } catch {
    // not JSON: the raw text says it
  }
  return body.trim().slice(0, MAX_ERROR_CHARS) || 'no error message';
}

async function* bodyChunks(body: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
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
  private readonly url: string;

  constructor(private readonly opts: OpenAiBrainOptions) {
    if (!opts.baseUrl) throw new EngineError(ENGINE, 'no base URL', 'set PARLEY_LLM_BASE_URL');
    if (!opts.model) throw new EngineError(ENGINE, 'no model', 'set PARLEY_LLM_MODEL');
    this.url = `${opts.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    this.name = `openai:${opts.model}`;
  }

  private requestBody(ctx: BrainContext): string {
    const body: Record<string, unknown> = {
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
    return JSON.stringify(body);
  }

  async *respond(ctx: BrainContext, signal: AbortSignal): AsyncIterable<BrainDelta> {
    // Our own controller also closes the request when the consumer stops iterating early.
    const request = new AbortController();
    const onAbort = () => request.abort(signal.reason);
    if (signal.aborted) return;
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      yield* this.stream(ctx, request.signal);
    } catch (err) {
      // Aborted on purpose: fetch rejects with the abort reason, whatever it is.
      if (request.signal.aborted) return;
      if (err instanceof EngineError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      throw new EngineError(
        ENGINE,
        `request to ${this.url} failed: ${message}`,
        'check that the LLM server is running',
        {
          cause: err,
        },
      );
    } finally {
      signal.removeEventListener('abort', onAbort);
      request.abort();
    }
  }

  private async *stream(ctx: BrainContext, signal: AbortSignal): AsyncIterable<BrainDelta> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'text/event-stream',
    };
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    const res = await fetch(this.url, { method: 'POST', headers, body: this.requestBody(ctx), signal });
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      throw new LlmHttpError(res.status, errorMessage(text), fixFor(res.status));
    }
    if (!res.body) throw new EngineError(ENGINE, 'the server sent no response body');

    const tools = new ToolCallAssembler();
    for await (const data of sseData(bodyChunks(res.body))) {
      if (data.trim() === '[DONE]') break;
      let chunk: WireChunk;
      try {
        chunk = JSON.parse(data) as WireChunk;
      } catch {
        throw new EngineError(ENGINE, `malformed stream event: ${data.slice(0, 200)}`);
      }
      if (typeof chunk !== 'object' || chunk === null) {
        throw new EngineError(ENGINE, `malformed stream event: ${data.slice(0, 200)}`);
      }
      if (chunk.error) {
        const message =
          typeof chunk.error === 'string' ? chunk.error : (chunk.error.message ?? 'unknown error');
        throw new EngineError(ENGINE, `the server reported an error mid-stream: ${message}`);
      }
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
    yield* tools.drain();
  }
}
