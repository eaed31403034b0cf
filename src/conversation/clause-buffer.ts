import { textForSpeech } from './text-for-speech.js';

/**
 * Collects streamed brain text and releases speakable clauses: at , . ! ? ; (followed by a
 * space or the end) or, for long runs without punctuation, at the last word boundary before
 * `maxClauseChars`. Never splits a word; decimals like "3.5" stay whole.
 */
export class ClauseBuffer {
  private pending = '';

  constructor(private readonly maxClauseChars = 120) {}

  /** Adds a delta; returns the clauses it completed (already cleaned for speech). */
  push(delta: string): string[] {
    this.pending += delta;
    const out: string[] = [];
    for (;;) {
      const cut = this.findCut();
      if (cut === undefined) break;
      const clause = textForSpeech(this.pending.slice(0, cut)).trim();
      this.pending = this.pending.slice(cut);
      if (clause.length > 0) out.push(clause);
    }
    return out;
  }

  /** The rest, at the end of the reply. */
  flush(): string[] {
    const clause = textForSpeech(this.pending).trim();
    this.pending = '';
    return clause.length > 0 ? [clause] : [];
  }

  private findCut(): number | undefined {
    const text = this.pending;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch !== ',' && ch !== '.' && ch !== '!' && ch !== '?' && ch !== ';') continue;
      const next = text[i + 1];
      // Need to see what follows: "3.5", "e.g." and "1,000" must not be cut.
      if (next === undefined) return undefined;
      if (/\s/.test(next) || next === '"' || next === ')') {
        // Skip a cut that would leave an almost empty clause ("Oh, ...").
        if (textForSpeech(text.slice(0, i + 1)).trim().length < 2) continue;
        return i + 1;
      }
    }
    if (text.length > this.maxClauseChars) {
      const space = text.lastIndexOf(' ', this.maxClauseChars);
      if (space > 0) return space + 1;
      const after = text.indexOf(' ', this.maxClauseChars);
      if (after > 0) return after + 1;
    }
    return undefined;
  }
}
