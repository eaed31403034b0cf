/**
 * A chat-completions request body as Parley messages for the test server's brain, with the
 * checks the API makes (its 400 invalid_request_error bodies): a non-empty `messages`, known
 * roles, and tool messages answering exactly the `tool_calls` of the assistant message before
 * them. https://platform.openai.com/docs/api-reference/chat/create,
 * https://platform.openai.com/docs/guides/function-calling.
 */
import type { ChatMessage, ToolCallRequest, ToolSpec } from '../../engines/types.js';
import { type ErrorBody, invalid } from './openai-errors.js';

interface WireToolCall {
  id?: unknown;
  function?: { name?: unknown; arguments?: unknown };
}

interface WireMessage {
  role?: unknown;
  content?: unknown;
  tool_calls?: WireToolCall[];
  tool_call_id?: unknown;
}

/** Message content: a string, null, or an array of `{type:'text', text}` parts. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((p: { type?: unknown; text?: unknown }) =>
      p?.type === 'text' && typeof p.text === 'string' ? p.text : '',
    )
    .join('');
}

/** The wire conversation as Parley messages, or the 400 the API gives for it. */
export function readMessages(raw: unknown): ChatMessage[] | ErrorBody {
  if (!Array.isArray(raw) || raw.length === 0)
    return invalid("'messages' must be a non-empty array", 'messages');
  const out: ChatMessage[] = [];
  const names = new Map<string, string>();
  let open = new Set<string>();
  for (const [i, m] of (raw as WireMessage[]).entries()) {
    const role = m?.role;
    if (role !== 'tool' && open.size > 0) {
      return invalid(
        `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open].join(', ')}`,
        `messages.[${i}].role`,
      );
    }
    if (role === 'system' || role === 'developer' || role === 'user') {
      out.push({ role: role === 'user' ? 'user' : 'system', content: textOf(m.content) });
    } else if (role === 'assistant') {
      const calls: ToolCallRequest[] = (m.tool_calls ?? []).map((c) => ({
        id: String(c.id ?? ''),
        name: String(c.function?.name ?? ''),
        arguments: String(c.function?.arguments ?? ''),
      }));
      for (const c of calls) names.set(c.id, c.name);
      open = new Set(calls.map((c) => c.id));
      out.push({
        role: 'assistant',
        content: textOf(m.content),
        ...(calls.length ? { toolCalls: calls } : {}),
      });
    } else if (role === 'tool') {
      const id = String(m.tool_call_id ?? '');
      if (!open.delete(id)) {
        return invalid(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages.[${i}].role`,
        );
      }
      out.push({ role: 'tool', content: textOf(m.content), toolCallId: id, name: names.get(id) ?? '' });
    } else {
      return invalid(
        `Invalid value: '${String(role)}'. Supported values are: 'system', 'assistant', 'user', 'tool' and 'developer'.`,
        `messages[${i}].role`,
      );
    }
  }
  return out;
}

export function readTools(raw: unknown): ToolSpec[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((t: { function?: { name?: unknown; description?: unknown; parameters?: unknown } }) => ({
    name: String(t.function?.name ?? ''),
    description: String(t.function?.description ?? ''),
    parameters: (t.function?.parameters as Record<string, unknown> | undefined) ?? {},
  }));
}
