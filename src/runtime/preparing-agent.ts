/**
 * An agent that can prepare while the caller is still talking. The runtime hands `prepare` to
 * the session, which proposes its calls in phase 'partial' (so only read-only tools run) and
 * reuses their results when the turn commits.
 */
export interface PreparingAgent {
  /** Given the stable prefix of a partial transcript, read-only calls worth starting now. */
  prepare?(stableText: string): { name: string; arguments: string }[];
}
