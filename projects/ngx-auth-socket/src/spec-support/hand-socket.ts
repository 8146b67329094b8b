/**
 * A socket a spec drives by hand, synchronously: it opens, receives and closes when the spec says,
 * records what the client sent at once (no mock-socket delay), and keeps hearing the server after
 * the client asked to close (as a real socket does until the close handshake completes). Plug it in
 * with `SocketHarness.socketFactory`.
 */
export class HandSocket {
  readyState = 0;
  binaryType = 'blob';
  readonly sent: unknown[] = [];
  closedWith: number | null = null;
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {}
  send(frame: string): void {
    this.sent.push(JSON.parse(frame));
  }
  close(code = 1005): void {
    this.closedWith = code;
    this.readyState = 2;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.();
  }
  receive(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  closedByServer(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

