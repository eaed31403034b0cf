/** Listener sets whose failures stay with the listener: one bad observer never breaks a session. */
export class Emitter<T> {
  private readonly listeners = new Set<(value: T) => void>();

  on(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch {
        // An observer's bug is its own; the conversation goes on.
      }
    }
  }
}
