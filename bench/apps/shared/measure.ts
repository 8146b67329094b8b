/**
 * What both bench pages share, byte for byte: the sink every client delivers to, the raw handler,
 * the fake socket of the hot path, and the registry of prepared runs that bench/run.mjs drives.
 * The Angular page (apps/harness) and the near-empty page (apps/plain) import this same module, so
 * their raw handlers are the same code, and only the page around them differs.
 *
 * A run is split in two calls so that the CPU time bench/run.mjs reads around the second one
 * covers only the messages: `prepare…()` opens and subscribes (tickets, handshakes, injectors),
 * `go(id)` arms the sink, asks the server for N frames and resolves at the last one.
 */

/** A bench message as the server pushes it. */
export interface BenchMessage {
  readonly type: string;
  readonly seq: number;
  readonly [key: string]: unknown;
}

export const WS_URL = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/channel/`;
// A JWT-shaped token with an `exp`, like an app's (the bench server only checks "Bearer present").
const b64url = (json: object) => btoa(JSON.stringify(json)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
export const TOKEN = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: 'bench', exp: Math.floor(Date.now() / 1000) + 3600 })}.c2lnbmF0dXJl`;

// ---- the sink: the user code every variant delivers to ------------------------------------------

let count = 0;
let target = 0;
let firstAt = 0;
let lastAt = 0;
let checksum = 0;
let finished: (() => void) | null = null;

export interface SinkResult {
  readonly ms: number;
  readonly n: number;
  readonly rate: number;
  readonly checksum: number;
}

export function sink(message: BenchMessage): void {
  checksum += message.seq;
  if (count === 0) firstAt = performance.now();
  if (++count === target) {
    lastAt = performance.now();
    finished?.();
  }
}

export function armSink(n: number, timeoutMs: number): Promise<SinkResult> {
  count = 0;
  target = n;
  firstAt = lastAt = 0;
  checksum = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      finished = null;
      reject(new Error(`timed out after ${timeoutMs} ms with ${count}/${n} messages`));
    }, timeoutMs);
    finished = () => {
      finished = null;
      clearTimeout(timer);
      const ms = lastAt - firstAt;
      resolve({ ms, n, rate: ((n - 1) / ms) * 1000, checksum });
    };
  });
}

// ---- small things -------------------------------------------------------------------------------

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// A macrotask boundary without setTimeout's 4 ms clamp for nested timers.
const channel = new MessageChannel();
const yieldQueue: Array<() => void> = [];
channel.port1.onmessage = () => yieldQueue.shift()?.();
export function yieldTask(): Promise<void> {
  return new Promise((resolve) => {
    yieldQueue.push(resolve);
    channel.port2.postMessage(null);
  });
}

/** Busy-loops the main thread for `ms`: bench/run.mjs finds the page's renderer thread by it. */
export function spin(ms: number): number {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x++;
  return x;
}

export async function fetchTicket(): Promise<string> {
  const response = await fetch('/ws_ticket', { headers: { Authorization: `Bearer ${TOKEN}` } });
  if (!response.ok) throw new Error(`ticket: HTTP ${response.status}`);
  const body = (await response.json()) as { ticket: string };
  return body.ticket;
}

export async function ticketUrl(): Promise<string> {
  return `${WS_URL}?ticket=${encodeURIComponent(await fetchTicket())}`;
}

export function openRaw(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.onopen = () => resolve(ws);
    ws.onerror = () => reject(new Error('raw socket failed'));
  });
}

// ---- prepared runs over the network -------------------------------------------------------------

interface Prepared {
  /** Asks the server for the frames (the subscription is in place). */
  readonly start: (n: number) => void;
  readonly cleanup: () => void;
}

const prepared = new Map<number, Prepared>();
let nextId = 1;

/** Registers a run whose socket is open and subscribed; `start(n)` asks for the frames. */
export function register(start: (n: number) => void, cleanup: () => void): number {
  const id = nextId++;
  prepared.set(id, { start, cleanup });
  return id;
}

/**
 * The measured part: arm the sink, ask for `n` frames, resolve at the last one delivered. A run
 * can go again and again on the same socket. `n = 0` measures the call alone.
 */
export async function go(id: number, n: number): Promise<SinkResult> {
  const run = prepared.get(id);
  if (!run) throw new Error(`no prepared run ${id}`);
  if (n === 0) return { ms: 0, n: 0, rate: 0, checksum: 0 };
  const result = armSink(n, 30_000 + n / 2);
  run.start(n);
  return result;
}

export function release(id: number): void {
  const run = prepared.get(id);
  prepared.delete(id);
  run?.cleanup();
}

/** The raw handler: a WebSocket, `JSON.parse`, the sink. `k` types spread through a Map when above 0. */
export async function prepareRaw(k: number, dispatch: 'direct' | 'map'): Promise<number> {
  const ws = await openRaw(await ticketUrl());
  if (dispatch === 'direct') {
    ws.onmessage = (e: MessageEvent) => sink(JSON.parse(e.data as string));
  } else {
    const handlers = new Map<string, (m: BenchMessage) => void>();
    for (let i = 0; i < k; i++) handlers.set(`t${i}`, sink);
    ws.onmessage = (e: MessageEvent) => {
      const m = JSON.parse(e.data as string) as BenchMessage;
      const handler = handlers.get(m.type);
      if (handler !== undefined) handler(m);
    };
  }
  return register(
    (n) => ws.send(JSON.stringify({ type: 'bench_start', n, types: k })),
    () => ws.close(),
  );
}

// ---- the hot path: frames from a fake socket, no network ----------------------------------------

export type FrameFormat = 'plain' | 'channel' | 'graphql-ws' | 'socket.io';

/**
 * 1 000 (or k) frames of 100 bytes in `format`, as the bench server sends them, as the
 * `MessageEvent`s a WebSocket dispatches (wrappers such as partysocket re-dispatch them).
 */
export function fakeFrames(format: FrameFormat, k: number): MessageEvent[] {
  const frames: MessageEvent[] = [];
  for (let i = 0; i < Math.max(k, 1000); i++) {
    const body = `{"type":"t${i % k}","seq":${i},"data":"`;
    const [head, tail] =
      format === 'graphql-ws'
        ? [`{"id":"1","type":"next","payload":{"data":${body}`, '"}}}']
        : format === 'socket.io'
          ? [`42["t${i % k}",${body}`, '"}]']
          : format === 'channel'
            ? [`{"type":"m","channel":"c${i % k}","seq":${i},"data":"`, '"}']
            : [body, '"}'];
    frames.push(new MessageEvent('message', { data: head + 'x'.repeat(Math.max(1, 100 - head.length - tail.length)) + tail }));
  }
  return frames;
}

type Listener = (e: never) => void;

/**
 * A WebSocket that never touches the network. It plays just enough of each server to get a client
 * to its steady state (auth ack, graphql-ws `connection_ack`, the Engine.IO open packet and
 * Socket.IO connect, channel `joined`), then the bench calls the client's message handler with
 * pre-built events, so what is timed is only the JavaScript between a frame and user code.
 */
export class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static last: FakeSocket | null = null;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;
  readyState = 0;
  binaryType: BinaryType = 'blob';
  protocol = '';
  extensions = '';
  bufferedAmount = 0;
  onopen: ((e: Event) => void) | null = null;
  onmessage: ((e: MessageEvent) => void) | null = null;
  onclose: ((e: CloseEvent) => void) | null = null;
  onerror: ((e: Event) => void) | null = null;
  readonly listeners = new Map<string, Listener[]>();

  constructor(
    readonly url: string,
    protocols?: string | string[],
  ) {
    FakeSocket.last = this;
    this.protocol = Array.isArray(protocols) ? (protocols[0] ?? '') : (protocols ?? '');
    setTimeout(() => {
      this.readyState = 1;
      this.emit('open', new Event('open'));
      // Engine.IO: the server speaks first.
      if (url.includes('EIO=4')) this.answer('0{"sid":"fake","upgrades":[],"pingInterval":300000,"pingTimeout":60000,"maxPayload":1000000}');
    });
  }

  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  removeEventListener(type: string, listener: Listener): void {
    this.listeners.set(
      type,
      (this.listeners.get(type) ?? []).filter((l) => l !== listener),
    );
  }

  send(data: string): void {
    if (data.startsWith('40')) return this.answer('40{"sid":"fake-io"}');
    if (!data.startsWith('{')) return;
    if (data.includes('"connection_init"')) return this.answer('{"type":"connection_ack"}');
    if (data.includes('"join"')) {
      const m = JSON.parse(data) as { type: string; channel?: string };
      if (m.type === 'join') this.answer(JSON.stringify({ type: 'joined', channel: m.channel, seq: 0 }));
    }
  }

  close(): void {
    this.readyState = 3;
  }

  /** The one function a message goes through: `onmessage`, or the one listener a wrapper added. */
  messageHandler(): (e: { data: string }) => void {
    if (this.onmessage) return this.onmessage as unknown as (e: { data: string }) => void;
    const listeners = this.listeners.get('message') ?? [];
    if (listeners.length !== 1) throw new Error(`fake socket: ${listeners.length} message listeners`);
    return listeners[0] as unknown as (e: { data: string }) => void;
  }

  private emit(type: string, event: Event): void {
    const property = (this as unknown as Record<string, unknown>)[`on${type}`];
    if (typeof property === 'function') property.call(this, event);
    for (const listener of this.listeners.get(type) ?? []) (listener as (e: Event) => void)(event);
  }

  private answer(data: string): void {
    setTimeout(() => this.emit('message', new MessageEvent('message', { data })));
  }
}

interface HotRun {
  readonly deliver: (e: { data: string }) => void;
  readonly frames: MessageEvent[];
  readonly cleanup: () => void;
}

const hotRuns = new Map<number, HotRun>();

/** Registers a client set up on a fake socket; `hotFeed(id, n)` then feeds it. */
export function registerHot(deliver: (e: { data: string }) => void, frames: MessageEvent[], cleanup: () => void): number {
  const id = nextId++;
  hotRuns.set(id, { deliver, frames, cleanup });
  return id;
}

/**
 * Feeds `n` frames to a hot run in bursts of 1 000 per task and returns the wall-clock rate at the
 * sink (bench/run.mjs reads the CPU time around this call). `n = 0` measures the call alone.
 */
export async function hotFeed(id: number, n: number): Promise<SinkResult> {
  const run = hotRuns.get(id);
  if (!run) throw new Error(`no hot run ${id}`);
  if (n === 0) return { ms: 0, n: 0, rate: 0, checksum: 0 };
  const result = armSink(n, 60_000);
  const { deliver, frames } = run;
  const f = frames.length;
  for (let i = 0; i < n; ) {
    const end = Math.min(n, i + 1000);
    for (; i < end; i++) deliver(frames[i % f]);
    if (i < n) await yieldTask();
  }
  return result;
}

export function hotRelease(id: number): void {
  const run = hotRuns.get(id);
  hotRuns.delete(id);
  run?.cleanup();
}

/** The raw handler on the hot path (no socket at all: the handler is called with the frames). */
export function prepareHotRaw(k: number, dispatch: 'direct' | 'map'): number {
  const frames = fakeFrames('plain', k);
  if (dispatch === 'direct') return registerHot((e) => sink(JSON.parse(e.data)), frames, () => undefined);
  const handlers = new Map<string, (m: BenchMessage) => void>();
  for (let i = 0; i < k; i++) handlers.set(`t${i}`, sink);
  return registerHot(
    (e) => {
      const m = JSON.parse(e.data) as BenchMessage;
      const handler = handlers.get(m.type);
      if (handler !== undefined) handler(m);
    },
    frames,
    () => undefined,
  );
}

/** What every page exposes on `window.bench` (bench/tools/browser.mjs calls it over CDP). */
export const commonBench = { go, release, hotFeed, hotRelease, spin, sleep };
