/**
 * Parley's chat messages as an Anthropic Messages request: system messages become the top-level
 * `system` prompt, tool calls `tool_use` blocks of the assistant, tool results `tool_result`
 * blocks of the next user message, and consecutive same-role messages one turn.
 * https://docs.anthropic.com/en/api/messages and
 * https://docs.anthropic.com/en/docs/build-with-claude/tool-use (tool_result blocks come first
 * in their user message and answer every tool_use of the assistant message just before).
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { ChatMessage, ToolSpec } from '../types.js';

type Block = Anthropic.TextBlockParam | Anthropic.ToolUseBlockParam | Anthropic.ToolResultBlockParam;
interface Turn {
  role: 'user' | 'assistant';
  content: Block[];
}

/**
 * Put before a conversation that opens with the agent (its greeting): the Messages API has long
 * required the first turn to be the user's, and Anthropic-compatible servers still may.
 */
export const CALL_OPENED = '(The call connects.)';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A proposed call's arguments as the object `tool_use.input` must be ({} when they are not one). */
function toolInput(args: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(args || '{}');
    return isRecord(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

function text(t: string): Anthropic.TextBlockParam {
  return { type: 'text', text: t };
}

function blocksOf(m: ChatMessage): Block[] {
  if (m.role === 'tool') {
    return [{ type: 'tool_result', tool_use_id: m.toolCallId ?? '', content: m.content }];
  }
  // Empty text blocks are refused ("text content blocks must be non-empty").
  const out: Block[] = m.content.trim() ? [text(m.content)] : [];
  if (m.role === 'assistant') {
    for (const call of m.toolCalls ?? []) {
      out.push({ type: 'tool_use', id: call.id, name: call.name, input: toolInput(call.arguments) });
    }
  }
  return out;
}

/** Merges consecutive same-role turns; a user turn's tool results go before its text. */
function mergeTurns(messages: ChatMessage[]): Turn[] {
  const turns: Turn[] = [];
  for (const m of messages) {
    if (m.role === 'system') continue;
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const blocks = blocksOf(m);
    if (blocks.length === 0) continue;
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  }
  for (const turn of turns) {
    if (turn.role !== 'user') continue;
    turn.content = [
      ...turn.content.filter((b) => b.type === 'tool_result'),
      ...turn.content.filter((b) => b.type !== 'tool_result'),
    ];
  }
  return turns;
}

/**
 * Every tool_use must be answered by a tool_result in the very next turn and every tool_result
 * must answer one, or the API refuses the request. A history cut by the context budget or a
 * barge-in can break a pair: an unanswered call is dropped, an orphan result becomes text.
 */
function pairToolRounds(turns: Turn[]): Turn[] {
  for (let i = 0; i < turns.length; i++) {
    const turn = turns[i] as Turn;
    const previous = turns[i - 1];
    const next = turns[i + 1];
    if (turn.role === 'assistant') {
      const answered = new Set(
        (next?.content ?? []).flatMap((b) => (b.type === 'tool_result' ? [b.tool_use_id] : [])),
      );
      turn.content = turn.content.filter((b) => b.type !== 'tool_use' || answered.has(b.id));
    } else {
      const asked = new Set(
        previous?.role === 'assistant'
          ? previous.content.flatMap((b) => (b.type === 'tool_use' ? [b.id] : []))
          : [],
      );
      turn.content = turn.content.map((b) =>
        b.type === 'tool_result' && !asked.has(b.tool_use_id)
          ? text(`Tool result: ${typeof b.content === 'string' ? b.content : ''}`)
          : b,
      );
    }
  }
  return turns.filter((t) => t.content.length > 0);
}

export interface AnthropicConversation {
  /** The system messages, in order, as one prompt; undefined when there are none. */
  system: string | undefined;
  messages: Anthropic.MessageParam[];
}

export function toAnthropicConversation(messages: ChatMessage[]): AnthropicConversation {
  const system = messages
    .filter((m) => m.role === 'system' && m.content.trim())
    .map((m) => m.content.trim())
    .join('\n\n');
  let turns = pairToolRounds(mergeTurns(messages));
  // Dropping a block can leave two turns of one role side by side: merge again.
  turns = turns.reduce<Turn[]>((out, t) => {
    const last = out.at(-1);
    if (last?.role === t.role) last.content.push(...t.content);
    else out.push(t);
    return out;
  }, []);
  if (turns[0]?.role === 'assistant') turns.unshift({ role: 'user', content: [text(CALL_OPENED)] });
  return {
    system: system || undefined,
    // A turn of only plain text goes as a string, the documented shorthand.
    messages: turns.map((t) => {
      const only = t.content.length === 1 ? t.content[0] : undefined;
      return { role: t.role, content: only?.type === 'text' ? only.text : t.content };
    }),
  };
}

export function toAnthropicTools(tools: ToolSpec[]): Anthropic.Tool[] {
  return tools.map((t) => ({
    name: t.name,
    description: t.description,
    input_schema: { ...t.parameters, type: 'object' },
  }));
}
