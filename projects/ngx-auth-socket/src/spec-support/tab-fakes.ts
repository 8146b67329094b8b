/**
 * In-memory BroadcastChannel and Web Locks for tab-sharing specs: one hub plays the browser that
 * connects the tabs of an origin. Channel messages are structured-cloned and queued until
 * `deliver()`, as browsers deliver them in a later task.
 */
import { TabChannel, TabLocks, TabRuntime } from '../lib/tabs/tab-runtime';

export class TabHub {
  readonly #channels = new Set<FakeChannel>();
  #queue: Array<{ from: FakeChannel; data: unknown }> = [];
  readonly #holders = new Map<string, { release: () => void } | null>();
  readonly #waiters = new Map<string, Array<() => void>>();
  /** Everything posted, for specs that look at the traffic. */
  readonly posted: unknown[] = [];

  runtime(options: { locks?: boolean } = {}): TabRuntime {
    return {
      openChannel: (name) => {
        const channel = new FakeChannel(name, this);
        this.#channels.add(channel);
        return channel;
      },
      locks: options.locks === false ? null : this.#locks(),
    };
  }

  /** @internal */
  enqueue(from: FakeChannel, data: unknown): void {
    const copy = structuredClone(data);
    this.posted.push(copy);
    this.#queue.push({ from, data: copy });
  }

  /** @internal */
  remove(channel: FakeChannel): void {
    this.#channels.delete(channel);
  }

  /** Delivers queued messages (and those they cause) to every other open channel of the same name. */
  deliver(): void {
    for (let guard = 0; this.#queue.length > 0 && guard < 10_000; guard++) {
      const { from, data } = this.#queue.shift()!;
      for (const channel of [...this.#channels]) {
        if (channel !== from && channel.name === from.name) channel.onmessage?.({ data } as MessageEvent);
      }
    }
  }

  /** Posts a foreign message, as another script on the origin could. */
  inject(name: string, data: unknown): void {
    for (const channel of this.#channels) if (channel.name === name) channel.onmessage?.({ data } as MessageEvent);
  }

  #locks(): TabLocks {
    return {
      request: (name, options, callback) =>
        new Promise((resolve, reject) => {
          const grant = () => {
            let release!: () => void;
            const held = new Promise<void>((r) => (release = r));
            this.#holders.set(name, { release });
            callback({ name }).then(() => release());
            held.then(() => {
              this.#holders.set(name, null);
              resolve(undefined);
              const next = this.#waiters.get(name)?.shift();
              next?.();
            });
          };
          if (!this.#holders.get(name)) {
            grant();
            return;
          }
          const list = this.#waiters.get(name) ?? [];
          list.push(grant);
          this.#waiters.set(name, list);
          options.signal?.addEventListener('abort', () => {
            const i = list.indexOf(grant);
            if (i >= 0) list.splice(i, 1);
            reject(new DOMException('aborted', 'AbortError'));
          });
        }),
    };
  }
}

class FakeChannel implements TabChannel {
  onmessage: ((event: MessageEvent) => void) | null = null;
  #closed = false;

  constructor(
    readonly name: string,
    private readonly hub: TabHub,
  ) {}

  postMessage(message: unknown): void {
    if (this.#closed) throw new DOMException('closed', 'InvalidStateError');
    this.hub.enqueue(this, message);
  }

  close(): void {
    this.#closed = true;
    this.hub.remove(this);
  }
}
