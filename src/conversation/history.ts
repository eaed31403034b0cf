import type { ChatMessage, ToolCallRequest } from '../engines/types.js';
import type { ToolOutcome } from '../tools/types.js';
import { toolResultContent } from './tool-message.js';

/** Where the tool message format lives; kept here for the modules that read history. */
export { toolResultContent };

/** Rough token count for budgeting: about four characters per token in English. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function messageTokens(m: ChatMessage): number {
  let n = estimateTokens(m.content) + 4;
  for (const call of m.toolCalls ?? []) n += estimateTokens(call.name) + estimateTokens(call.arguments);
  return n;
}

/** What a tool outcome looks like to the brain. */

/**
 * The conversation as it happened to the caller: committed user turns, the agent text they
 * heard, tool calls and results; older turns rolled into a summary, pinned facts kept apart so
 * no summary can lose them.
 */
export class History {
  private retained: ChatMessage[] = [];
  private summaryText = '';
  private readonly pinned = new Map<string, string>();
  userTurns = 0;

  addUser(text: string, facts: Record<string, string> = {}): void {
    this.userTurns++;
    this.retained.push({ role: 'user', content: text });
    for (const [k, v] of Object.entries(facts)) this.pinned.set(k, v);
  }

  /** The caller went on talking before hearing any answer: their words join their last turn. */
  extendLastUser(text: string, facts: Record<string, string> = {}): void {
    const last = this.retained.findLast((m) => m.role === 'user');
    if (!last) {
      this.addUser(text, facts);
      return;
    }
    last.content = `${last.content} ${text}`.trim();
    for (const [k, v] of Object.entries(facts)) this.pinned.set(k, v);
  }

  addToolRound(spokenText: string, calls: ToolCallRequest[], outcomes: ToolOutcome[]): void {
    this.retained.push({ role: 'assistant', content: spokenText, toolCalls: calls });
    for (const outcome of outcomes) {
      this.retained.push({
        role: 'tool',
        content: toolResultContent(outcome),
        toolCallId: outcome.callId,
        name: outcome.name,
      });
    }
  }

  /** Agent speech the caller heard; continues the last assistant message when it is a resumption. */
  addAgent(text: string, opts: { continuation?: boolean } = {}): void {
    if (text.length === 0) return;
    const last = this.retained[this.retained.length - 1];
    if (opts.continuation && last?.role === 'assistant' && !last.toolCalls) {
      last.content = `${last.content} ${text}`.trim();
      return;
    }
    this.retained.push({ role: 'assistant', content: text });
  }

  facts(): Record<string, string> {
    return Object.fromEntries(this.pinned);
  }

  summary(): string {
    return this.summaryText;
  }

  /** Messages kept verbatim (after the summary). */
  recent(): ChatMessage[] {
    return this.retained;
  }

  /** History as a message list: the summary (if any) then the verbatim messages. */
  messages(): ChatMessage[] {
    const head: ChatMessage[] = this.summaryText
      ? [{ role: 'system', content: `Summary of the call so far: ${this.summaryText}` }]
      : [];
    return [...head, ...this.retained.map((m) => ({ ...m }))];
  }

  /** Messages that a summary would replace (all but the last `keep`, never splitting a tool round). */
  olderThan(keep: number): ChatMessage[] {
    return this.retained.slice(0, this.cutIndex(keep));
  }

  /** Replaces the older messages with `summary`. */
  compact(summary: string, keep: number): void {
    const cut = this.cutIndex(keep);
    if (cut <= 0) return;
    this.retained = this.retained.slice(cut);
    this.summaryText = summary;
  }

  private cutIndex(keep: number): number {
    let cut = Math.max(0, this.retained.length - keep);
    // A tool result must stay with the assistant message that called it.
    while (cut > 0 && this.retained[cut]?.role === 'tool') cut--;
    return cut;
  }
}

/**
 * The deterministic summary for brains that cannot write one: what the caller asked, which
 * tools ran with what outcome, bounded in length. Facts are pinned separately.
 */
export function slotSummary(previous: string, older: ChatMessage[], maxChars = 1200): string {
  const lines: string[] = previous ? [previous] : [];
  for (const m of older) {
    if (m.role === 'user') lines.push(`caller: ${m.content.split(/\s+/).slice(0, 16).join(' ')}.`);
    else if (m.role === 'assistant' && m.toolCalls?.length) {
      lines.push(`tools: ${m.toolCalls.map((c) => `${c.name}(${c.arguments})`).join(', ')}.`);
    } else if (m.role === 'tool') lines.push(`${m.name ?? 'tool'} → ${m.content.slice(0, 120)}.`);
  }
  let text = lines.join(' ');
  if (text.length > maxChars) text = `… ${text.slice(text.length - maxChars)}`;
  return text;
}
