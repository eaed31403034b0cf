/**
 * The chat-completions wire format as the simulator speaks it: request messages into Parley's
 * `ChatMessage`s, answers into `chat.completion.chunk` events.
 * Reference: https://platform.openai.com/docs/api-reference/chat/create and
 * https://platform.openai.com/docs/api-reference/chat-streaming (the chunk object).
 */
import type { ChatMessage, ChatRole, ToolCallRequest, ToolSpec } from '../types.js';

export interface WireToolCall {
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

export interface WireMessage {
  role?: string;
  content?: string | null | { type?: string; text?: string }[];
  tool_calls?: WireToolCall[];
  tool_call_id?: string;
  name?: string;
}

export interface WireRequest {
  model?: unknown;
  messages?: unknown;
  tools?: { type?: string; function?: { name?: string; description?: string; parameters?: unknown } }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
}

const ROLES = new Set<string>(['system', 'developer', 'user', 'assistant', 'tool']);

/** Content as plain text: a string, or the text parts of a content array. */
function textOf(content: WireMessage['content']): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (p.type === 'text' ? (p.text ?? '') : '')).join('');
  return '';
}

/** Parley messages from the request's, or a reason they are not valid. */
export function toChatMessages(raw: unknown): ChatMessage[] | string {
  if (!Array.isArray(raw) || raw.length === 0) return "'messages' must be a non-empty array";
  const out: ChatMessage[] = [];
  for (const [i, m] of (raw as WireMessage[]).entries()) {
    if (typeof m !== 'object' || m === null || typeof m.role !== 'string' || !ROLES.has(m.role)) {
      return `messages[${i}].role must be one of system, developer, user, assistant, tool`;
    }
    // A developer message is the newer name of a system message.
    const role = (m.role === 'developer' ? 'system' : m.role) as ChatRole;
    const message: ChatMessage = { role, content: textOf(m.content) };
    if (role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0) {
      message.toolCalls = m.tool_calls.map(
        (c, n): ToolCallRequest => ({
          id: c.id ?? `call_${i}_${n}`,
          name: c.function?.name ?? '',
          arguments: c.function?.arguments ?? '{}',
        }),
      );
    }
    if (role === 'tool') {
      if (typeof m.tool_call_id !== 'string')
        return `messages[${i}].tool_call_id is required for a tool message`;
      message.toolCallId = m.tool_call_id;
    }
    if (typeof m.name === 'string') message.name = m.name;
    out.push(message);
  }
  return out;
}

export function toToolSpecs(raw: WireRequest['tools']): ToolSpec[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((t) =>
    t?.function?.name
      ? [
          {
            name: t.function.name,
            description: t.function.description ?? '',
            parameters: (t.function.parameters ?? {}) as Record<string, unknown>,
          },
        ]
      : [],
  );
}

/** Makes the chunk events of one completion (same id, model and creation time on each). */
export class ChunkWriter {
  private readonly created = Math.floor(Date.now() / 1000);

  constructor(
    private readonly id: string,
    private readonly model: string,
  ) {}

  private envelope(rest: Record<string, unknown>): string {
    return `data: ${JSON.stringify({
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      system_fingerprint: 'parley-sim',
      ...rest,
    })}\n\n`;
  }

  delta(delta: Record<string, unknown>, finishReason: string | null = null): string {
    return this.envelope({ choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] });
  }

  usage(promptTokens: number, completionTokens: number): string {
    return this.envelope({
      choices: [],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      },
    });
  }

  done(): string {
    return 'data: [DONE]\n\n';
  }

  /** The non-streaming answer (`stream: false`): one `chat.completion` object. */
  completion(text: string, calls: ToolCallRequest[], promptTokens: number, completionTokens: number): string {
    const message: Record<string, unknown> = { role: 'assistant', content: text || null, refusal: null };
    if (calls.length > 0) {
      message.tool_calls = calls.map((c) => ({
        id: c.id,
        type: 'function',
        function: { name: c.name, arguments: c.arguments },
      }));
    }
    return JSON.stringify({
      id: this.id,
      object: 'chat.completion',
      created: this.created,
      model: this.model,
      system_fingerprint: 'parley-sim',
      choices: [
        { index: 0, message, logprobs: null, finish_reason: calls.length > 0 ? 'tool_calls' : 'stop' },
      ],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      },
    });
  }
}

/** The JSON error body OpenAI-compatible servers answer with. */
export function errorBody(
  message: string,
  type: string,
  code: string | null = null,
  param: string | null = null,
): string {
  return JSON.stringify({ error: { message, type, param, code } });
}
