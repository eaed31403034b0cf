/**
 * One synthesis at a time per flite voice. flite is not documented as safe for concurrent
 * synthesis on one voice, and waiting in JS (rather than on a lock in the native worker) keeps
 * libuv's small thread pool free for other work.
 */
export class VoiceQueue {
  private tail: Promise<void> = Promise.resolve();

  /** Runs `task` after every task queued before it has settled. */
  run(task: () => Promise<void>): void {
    this.tail = this.tail.then(task).catch(() => undefined);
  }
}

const queues = new Map<string, VoiceQueue>();

/** The process-wide queue of one voice (voices are registered once per process). */
export function queueForVoice(voice: string): VoiceQueue {
  let queue = queues.get(voice);
  if (!queue) {
    queue = new VoiceQueue();
    queues.set(voice, queue);
  }
  return queue;
}
