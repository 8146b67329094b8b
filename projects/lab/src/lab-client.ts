import { Subscription } from 'rxjs';
import { AuthSocketService, SocketMessage } from 'ngx-auth-socket';

/** Outcome of one streamed message, as its sender learns it. */
type Fate = 'pending' | 'acked' | 'written' | string;

/** One AuthSocketService under test, with everything it did recorded for the driver. */
export class LabClient {
  /** State transitions with `performance.now()` timestamps. */
  readonly transitions: Array<{ t: number; kind: string; attempt?: number }> = [];
  readonly errors: string[] = [];
  /** Close codes of `socket-closed` errors, in order. */
  readonly closeCodes: number[] = [];
  received = 0;
  readonly receivedTexts: string[] = [];
  private readonly fates = new Map<string, Fate>();
  private readonly subscriptions = new Subscription();
  private streamTimer: ReturnType<typeof setInterval> | null = null;

  constructor(
    readonly socket: AuthSocketService,
    private readonly release: () => void,
  ) {
    this.subscriptions.add(
      socket.state$.subscribe((s) =>
        this.transitions.push({ t: performance.now(), kind: s.kind, attempt: 'attempt' in s ? s.attempt : undefined }),
      ),
    );
    this.subscriptions.add(
      socket.errors$.subscribe((e) => {
        this.errors.push(e.code);
        if (e.closeCode !== undefined) this.closeCodes.push(e.closeCode);
      }),
    );
  }

  /** Subscribes to messages (which opens the socket); keeps chat texts when `keepTexts`. */
  listen(keepTexts = false): void {
    this.subscriptions.add(
      this.socket.messages$.subscribe((m: SocketMessage) => {
        this.received++;
        if (keepTexts && m.type === 'chat' && typeof m['text'] === 'string') this.receivedTexts.push(m['text']);
      }),
    );
  }

  /** Sends `count` chat messages `${prefix}-${i}`, one every `intervalMs`, recording each fate. */
  stream(prefix: string, count: number, intervalMs: number): void {
    let i = 0;
    this.streamTimer = setInterval(() => {
      if (i >= count) {
        clearInterval(this.streamTimer!);
        this.streamTimer = null;
        return;
      }
      this.send({ type: 'chat', text: `${prefix}-${++i}` });
    }, intervalMs);
  }

  send(message: { type: string; text: string }): void {
    this.fates.set(message.text, 'pending');
    this.socket.send(message).subscribe({
      next: (r) => this.fates.set(message.text, r.acked ? 'acked' : 'written'),
      error: (e: { code?: string }) => this.fates.set(message.text, e.code ?? 'error'),
    });
  }

  /** Per channel (`joinChannel()`): the chat texts received, the states and the last members seen. */
  readonly channels: Record<string, { texts: string[]; states: string[]; members: string[] }> = {};

  /** Subscribes to channel `name` (which joins it) and records what it delivers. */
  joinChannel(name: string): void {
    const channel = this.socket.channel(name);
    const record = (this.channels[name] ??= { texts: [], states: [], members: [] });
    this.subscriptions.add(
      channel.messages$.subscribe((m) => {
        if (typeof m['text'] === 'string') record.texts.push(m['text']);
      }),
    );
    this.subscriptions.add(
      channel.state$.subscribe((s) => record.states.push(s.kind === 'rejected' ? `rejected:${s.reason}` : s.kind)),
    );
    this.subscriptions.add(channel.presence$.subscribe((p) => (record.members = [...p.members])));
  }

  /** Sends a chat line in channel `name`, recording its fate like `send()`. */
  sendInChannel(name: string, text: string): void {
    this.fates.set(text, 'pending');
    this.socket
      .channel(name)
      .send({ type: 'chat', text })
      .subscribe({
        next: (r) => this.fates.set(text, r.acked ? 'acked' : 'written'),
        error: (e: { code?: string }) => this.fates.set(text, e.code ?? 'error'),
      });
  }

  /** Counts of message fates so far. */
  fateCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const fate of this.fates.values()) counts[fate] = (counts[fate] ?? 0) + 1;
    return counts;
  }

  stopStream(): void {
    if (this.streamTimer) clearInterval(this.streamTimer);
    this.streamTimer = null;
  }

  streaming(): boolean {
    return this.streamTimer !== null;
  }

  /** Sends a request and resolves with its outcome (never rejects). */
  async request(message: object, timeoutMs: number): Promise<{ ok: boolean; code?: string; ms: number }> {
    const start = performance.now();
    return new Promise((resolve) => {
      this.socket.request(message, { timeoutMs }).subscribe({
        next: () => resolve({ ok: true, ms: performance.now() - start }),
        error: (e: { code?: string }) => resolve({ ok: false, code: e.code, ms: performance.now() - start }),
      });
    });
  }

  destroy(): void {
    if (this.streamTimer) clearInterval(this.streamTimer);
    this.subscriptions.unsubscribe();
    this.release();
  }
}
