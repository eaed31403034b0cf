import type { ToolGateway } from '../tools/types.js';

export type PrepareHook = (stableText: string) => { name: string; arguments: string }[];

/**
 * Read-only preparation while the caller is still talking: the app's hook names calls worth
 * prefetching from the stable prefix; they go through the gateway in phase 'partial' (so only
 * read-only tools run) and the committed turn reuses their results.
 */
export class Prefetcher {
  private readonly proposed = new Set<string>();

  constructor(
    private readonly sessionId: string,
    private readonly tools: ToolGateway,
    private readonly prepare: PrepareHook | undefined,
    private readonly signal: AbortSignal,
    private readonly onError: (message: string) => void,
  ) {}

  newTurn(): void {
    this.proposed.clear();
  }

  consider(turnId: number, stableText: string): void {
    if (!this.prepare) return;
    let calls: { name: string; arguments: string }[] = [];
    try {
      calls = this.prepare(stableText);
    } catch (err) {
      this.onError(`prepare: ${(err as Error).message}`);
    }
    for (const call of calls) {
      const key = `${call.name}:${call.arguments}`;
      if (this.proposed.has(key)) continue;
      this.proposed.add(key);
      const proposal = {
        callId: `prefetch-${turnId}-${this.proposed.size}`,
        name: call.name,
        arguments: call.arguments,
        sessionId: this.sessionId,
        turnId,
        phase: 'partial' as const,
      };
      this.tools.propose(proposal, this.signal).catch(() => {});
    }
  }
}
