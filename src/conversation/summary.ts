import type { Brain, ChatMessage } from '../engines/types.js';
import { type History, slotSummary } from './history.js';
import type { SessionOptions } from './options.js';

const INSTRUCTION =
  'Summarize this phone call so far in at most three short sentences for your own memory. ' +
  'Keep names, numbers, order details and decisions; no greeting, no commentary.';

function transcriptOf(messages: ChatMessage[]): string {
  return messages
    .map((m) => {
      if (m.role === 'tool') return `tool ${m.name ?? ''}: ${m.content}`;
      if (m.toolCalls?.length)
        return `agent called ${m.toolCalls.map((c) => `${c.name}(${c.arguments})`).join(', ')}`;
      return `${m.role === 'user' ? 'caller' : m.role === 'assistant' ? 'agent' : 'note'}: ${m.content}`;
    })
    .join('\n');
}

/** Asks the brain (an LLM) for the rolling summary; falls back to the slot summary if it cannot. */
export async function summarize(
  how: 'slots' | 'brain',
  brain: Brain,
  previous: string,
  older: ChatMessage[],
  signal: AbortSignal,
): Promise<string> {
  if (how === 'slots') return slotSummary(previous, older);
  try {
    let text = '';
    const prompt = `${previous ? `Earlier summary: ${previous}\n\n` : ''}${transcriptOf(older)}`;
    const messages: ChatMessage[] = [
      { role: 'system', content: INSTRUCTION },
      { role: 'user', content: prompt },
    ];
    for await (const delta of brain.respond({ messages, tools: [] }, signal)) {
      if (delta.type === 'text') text += delta.text;
    }
    return text.trim() || slotSummary(previous, older);
  } catch {
    return slotSummary(previous, older);
  }
}

/** Rolls older history into the summary every `summaryEveryTurns` user turns. */
export class RollingSummary {
  private rolledAtTurn = 0;

  constructor(
    private readonly options: Pick<SessionOptions, 'summaryEveryTurns' | 'keepRecentMessages' | 'summarizer'>,
    private readonly brain: Brain,
  ) {}

  async maybeRoll(history: History, signal: AbortSignal): Promise<void> {
    const turns = history.userTurns;
    const every = this.options.summaryEveryTurns;
    if (every <= 0 || turns === 0 || turns % every !== 0 || this.rolledAtTurn === turns) return;
    this.rolledAtTurn = turns;
    const older = history.olderThan(this.options.keepRecentMessages);
    if (older.length === 0) return;
    const text = await summarize(this.options.summarizer, this.brain, history.summary(), older, signal);
    // Messages added while the brain summarized stay verbatim.
    if (!signal.aborted) history.compact(text, history.recent().length - older.length);
  }
}
