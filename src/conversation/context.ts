import type { BrainContext, ChatMessage, ToolSpec } from '../engines/types.js';
import { type History, messageTokens } from './history.js';

export interface ContextOptions {
  persona: string;
  personaEveryTurns: number;
  contextTokenBudget: number;
}

function systemPrompt(persona: string, history: History): string {
  const parts = [persona.trim()];
  const facts = Object.entries(history.facts());
  if (facts.length > 0) parts.push(`Known facts (pinned): ${facts.map(([k, v]) => `${k}=${v}`).join('; ')}.`);
  const summary = history.summary();
  if (summary) parts.push(`Summary of the call so far: ${summary}`);
  return parts.join('\n\n');
}

/**
 * What the brain sees for one reply: persona with pinned facts and summary, then as many of
 * the latest messages as the token budget allows, plus a persona reminder every N turns.
 */
export function buildContext(history: History, tools: ToolSpec[], opts: ContextOptions): BrainContext {
  const system: ChatMessage = { role: 'system', content: systemPrompt(opts.persona, history) };
  let budget = opts.contextTokenBudget - messageTokens(system);
  const recent = history.recent();
  const kept: ChatMessage[] = [];
  for (let i = recent.length - 1; i >= 0; i--) {
    const m = recent[i] as ChatMessage;
    const cost = messageTokens(m);
    // The newest message always goes, even over budget: the brain must see what it answers.
    if (kept.length > 0 && cost > budget) break;
    budget -= cost;
    kept.unshift({ ...m });
  }
  // Never start on a tool result whose call was cut off.
  while (kept[0]?.role === 'tool') kept.shift();
  const turns = history.userTurns;
  if (opts.personaEveryTurns > 0 && turns > 0 && turns % opts.personaEveryTurns === 0) {
    const reminder: ChatMessage = {
      role: 'system',
      content: `Reminder of your role: ${opts.persona.trim()}`,
    };
    kept.splice(Math.max(0, kept.length - 1), 0, reminder);
  }
  return { messages: [system, ...kept], tools };
}
