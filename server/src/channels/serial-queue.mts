import type { MaybePromise } from './channel-backend.mjs';

interface Task {
  readonly run: () => MaybePromise<void>;
  readonly done: () => void;
}

/**
 * Runs one channel's work one task at a time, in the order it was queued: a join waiting for the
 * store must finish before the messages that arrived behind it are looked at, or a new member
 * could see a message twice or not at all. A task that answers synchronously runs at once, inside
 * `push` (a server without Redis stays synchronous: a chat reaches the members before its ack).
 */
export class SerialQueue {
  private tasks: Task[] = [];
  private running = false;

  constructor(private readonly onError: (err: unknown) => void) {}

  /** Queues `task`; answers when it has run: at once if it ran synchronously, else with a promise. */
  push(task: () => MaybePromise<void>): MaybePromise<void> {
    let settled = false;
    let wake: (() => void) | undefined;
    const done = (): void => {
      settled = true;
      wake?.();
    };
    this.tasks.push({ run: task, done });
    this.drain();
    return settled ? undefined : new Promise<void>((resolve) => (wake = resolve));
  }

  /** Drops what has not started (the channel is released); whoever waits for it is let go. */
  discard(): void {
    const dropped = this.tasks;
    this.tasks = [];
    for (const task of dropped) task.done();
  }

  private drain(): void {
    if (this.running) return;
    this.running = true;
    for (let task = this.tasks.shift(); task !== undefined; task = this.tasks.shift()) {
      let result: MaybePromise<void>;
      try {
        result = task.run();
      } catch (err) {
        task.done();
        this.onError(err);
        continue;
      }
      if (result instanceof Promise) {
        const current = task;
        void result
          .catch(this.onError)
          .finally(() => {
            current.done();
            this.running = false;
            this.drain();
          });
        return;
      }
      task.done();
    }
    this.running = false;
  }
}
