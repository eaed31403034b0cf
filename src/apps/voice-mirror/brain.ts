/** Voice Mirror's brain: says back the caller's last turn, word for word, with no tools and no model. */
import { type Brain, type ChatMessage, ruleBrain } from '../../index.js';

export const MIRROR_SAY = {
  greeting: 'Say something and I will say it back.',
  nothingHeard: "I didn't hear anything. Say something and I will say it back.",
} as const;

/**
 * What the mirror says next: the newest caller turn as the recognizer wrote it. The history
 * holds committed turns only, so after a barge-in the newest turn is the interruption itself.
 */
export function mirrorReply(messages: readonly ChatMessage[]): string {
  const last = messages.findLast((m) => m.role === 'user');
  if (!last) return MIRROR_SAY.greeting;
  const text = last.content.replace(/\s+/g, ' ').trim();
  if (!/[a-z0-9]/i.test(text)) return MIRROR_SAY.nothingHeard;
  // Recognizer text has no punctuation; a closing full stop lets the clause buffer flush it as one sentence.
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** Says back the caller's newest turn, streamed word by word. */
export function createVoiceMirrorBrain(): Brain {
  return ruleBrain('voice-mirror', (messages) => ({ kind: 'say', text: mirrorReply(messages) }));
}
