import { words } from './text-for-speech.js';

/**
 * Interim vs stable words of a streaming transcript: a word is stable once two consecutive
 * partials agree on it and it is not the last word (the recognizer may still be extending it).
 */
export class StablePrefix {
  private previous: string[] = [];
  private stable: string[] = [];

  update(partialText: string): { text: string; stableText: string } {
    const current = words(partialText);
    let common = 0;
    while (
      common < current.length &&
      common < this.previous.length &&
      current[common] === this.previous[common]
    ) {
      common++;
    }
    const candidate = current.slice(0, Math.min(common, current.length - 1));
    // Stability only grows unless the recognizer really revised an already-stable word.
    const revised = this.stable.some((w, i) => current[i] !== w);
    if (revised || candidate.length > this.stable.length) this.stable = candidate;
    this.previous = current;
    return { text: current.join(' '), stableText: this.stable.join(' ') };
  }

  reset(): void {
    this.previous = [];
    this.stable = [];
  }
}
