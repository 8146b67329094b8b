/** The part of `BroadcastChannel` the tabs use. */
export interface TabChannel {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent) => void) | null;
  close(): void;
}

/** The part of the Web Locks API the election uses (`navigator.locks`). */
export interface TabLocks {
  request(
    name: string,
    options: { signal?: AbortSignal },
    callback: (lock: unknown) => Promise<void>,
  ): Promise<unknown>;
}

/** Browser facilities for sharing one socket across tabs; swapped in specs. */
export interface TabRuntime {
  /** Null where BroadcastChannel is missing: then each tab keeps its own socket. */
  openChannel: ((name: string) => TabChannel) | null;
  /** Null where Web Locks are missing: the election falls back to leases on the channel. */
  readonly locks: TabLocks | null;
}

/** The browser's BroadcastChannel and Web Locks, where they exist. */
export function browserTabRuntime(): TabRuntime {
  const hasChannel = typeof BroadcastChannel !== 'undefined';
  const locks =
    typeof navigator !== 'undefined' && 'locks' in navigator ? (navigator.locks as unknown as TabLocks) : null;
  return {
    openChannel: hasChannel ? (name) => new BroadcastChannel(name) as unknown as TabChannel : null,
    locks,
  };
}
