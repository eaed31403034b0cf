/**
 * A Messages API request body as Parley messages for the test server's brain, with the checks
 * the API makes (its 400 invalid_request_error messages): required fields, roles, non-empty
 * text, tool_result blocks first in their user message and answering the tool_use blocks of the
 * message just before, every tool_use answered, and from API version 2026-10-21 no sampling
 * parameters. https://docs.anthropic.com/en/api/messages,
 * https://docs.anthropic.com/en/docs/build-with-claude/tool-use.
 */
import type { ChatMessage, ToolCallRequest, ToolSpec } from '../../engines/types.js';

/** The API version from which `temperature`, `top_p` and `top_k` are refused. */
export const NO_SAMPLING_VERSION = '2026-10-21';

interface Block {
  type?: unknown;
  text?: unknown;
  id?: unknown;
  name?: unknown;
  input?: unknown;
  tool_use_id?: unknown;
  content?: unknown;
}

type Parsed = { messages: ChatMessage[]; tools: ToolSpec[] } | { error: string };

/** Text of a `system` value or tool_result content: a string or text blocks. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return '';
  return (value as Block[])
    .map((b) => (b?.type === 'text' && typeof b.text === 'string' ? b.text : ''))
    .join('\n');
}

function blocksOf(content: unknown): Block[] | undefined {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? (content as Block[]) : undefined;
}

function readTools(raw: unknown): ToolSpec[] | { error: string } {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) return { error: 'tools: Input should be a valid list' };
  const out: ToolSpec[] = [];
  for (const [i, t] of (
    raw as { name?: unknown; description?: unknown; input_schema?: unknown }[]
  ).entries()) {
    const schema = t?.input_schema as Record<string, unknown> | undefined;
    if (typeof t?.name !== 'string' || !/^[a-zA-Z0-9_-]{1,128}$/.test(t.name)) {
      return { error: `tools.${i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'` };
    }
    if (schema?.type !== 'object')
      return { error: `tools.${i}.custom.input_schema.type: Input should be 'object'` };
    out.push({
      name: t.name,
      description: typeof t.description === 'string' ? t.description : '',
      parameters: schema,
    });
  }
  return out;
}

export function readAnthropicRequest(body: Record<string, unknown>, version: string): Parsed {
  if (typeof body.model !== 'string' || !body.model) return { error: 'model: Field required' };
  if (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 1) {
    return { error: 'max_tokens: Field required' };
  }
  if (version >= NO_SAMPLING_VERSION) {
    for (const name of ['temperature', 'top_p', 'top_k']) {
      if (name in body) return { error: `${name}: Extra inputs are not permitted` };
    }
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    return { error: 'messages: Field required' };
  const tools = readTools(body.tools);
  if (!Array.isArray(tools)) return tools;

  const out: ChatMessage[] = [];
  const system = textOf(body.system);
  if (system) out.push({ role: 'system', content: system });
  const names = new Map<string, string>();
  let asked = new Set<string>();
  let askedAt = -1;
  const raw = body.messages as { role?: unknown; content?: unknown }[];
  for (const [i, m] of raw.entries()) {
    const blocks = blocksOf(m?.content);
    if (!blocks) return { error: `messages.${i}.content: Input should be a valid list` };
    if (asked.size > 0 && (m.role !== 'user' || !blocks.some((b) => b.type === 'tool_result'))) {
      return {
        error: `messages.${askedAt}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${[...asked].join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
      };
    }
    for (const b of blocks) {
      if (b.type === 'text' && (typeof b.text !== 'string' || b.text.trim() === '')) {
        return { error: 'messages: text content blocks must be non-empty' };
      }
    }
    if (m.role === 'system' && version >= NO_SAMPLING_VERSION) {
      out.push({ role: 'system', content: textOf(blocks) });
    } else if (m.role === 'assistant') {
      const calls: ToolCallRequest[] = [];
      for (const b of blocks) {
        if (b.type !== 'tool_use') continue;
        const call = {
          id: String(b.id ?? ''),
          name: String(b.name ?? ''),
          arguments: JSON.stringify(b.input ?? {}),
        };
        calls.push(call);
        names.set(call.id, call.name);
      }
      asked = new Set(calls.map((c) => c.id));
      askedAt = i;
      out.push({ role: 'assistant', content: textOf(blocks), ...(calls.length ? { toolCalls: calls } : {}) });
    } else if (m.role === 'user') {
      const firstOther = blocks.findIndex((b) => b.type !== 'tool_result');
      const lastResult = blocks.findLastIndex((b) => b.type === 'tool_result');
      if (firstOther !== -1 && lastResult > firstOther) {
        return {
          error: `messages.${i}.content: \`tool_result\` blocks must come first in the content array`,
        };
      }
      for (const [j, b] of blocks.entries()) {
        if (b.type !== 'tool_result') continue;
        const callId = String(b.tool_use_id ?? '');
        if (!asked.delete(callId)) {
          return {
            error: `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${callId}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
          };
        }
        out.push({
          role: 'tool',
          content: textOf(b.content),
          toolCallId: callId,
          name: names.get(callId) ?? '',
        });
      }
      if (asked.size > 0) {
        return {
          error: `messages.${askedAt}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${[...asked].join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
        };
      }
      const text = textOf(blocks.filter((b) => b.type === 'text'));
      if (text) out.push({ role: 'user', content: text });
    } else {
      return { error: `messages.${i}.role: Input should be 'user' or 'assistant'` };
    }
  }
  if (asked.size > 0) {
    return {
      error: `messages.${askedAt}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${[...asked].join(', ')}`,
    };
  }
  return { messages: out, tools };
}
