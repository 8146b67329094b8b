/**
 * The bench page. A zoneless Angular app that exposes `window.bench`, which bench/run.mjs calls
 * over the Chrome DevTools Protocol. Every figure is measured here against its baseline in the same page:
 * raw `WebSocket` + `JSON.parse`, rxjs `webSocket`, and `AuthSocketService` instances created in
 * their own environment injectors (so each measurement starts from a fresh service).
 *
 * Only the library's public API is used.
 */
import { provideHttpClient, withFetch, withInterceptors } from '@angular/common/http';
import { ApplicationRef, Component, EnvironmentInjector, createEnvironmentInjector, provideZonelessChangeDetection } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import { Subscription, filter } from 'rxjs';
import { webSocket } from 'rxjs/webSocket';
import {
  AUTH_SOCKET_RUNTIME,
  AuthSocketConfig,
  AuthSocketService,
  AuthTokenStore,
  ConnectionState,
  SocketLike,
  SocketMessage,
  authTokenInterceptor,
  browserRuntime,
  provideAuthSocket,
} from 'ngx-auth-socket';

@Component({ selector: 'bench-root', template: `<p>ngx-auth-socket bench: driven through window.bench</p>` })
class BenchRoot {}

/** A bench message as the server pushes it. */
interface BenchMessage extends SocketMessage {
  readonly seq: number;
}

export type ReceiveVariant = 'raw' | 'rxjs' | 'lib' | 'raw-map' | 'rxjs-filter' | 'lib-on';
export type ConnectVariant = 'raw-ticket' | 'lib-ticket' | 'lib-ticket-xhr' | 'raw-first' | 'lib-first';

const WS_URL = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/channel/`;
// A JWT-shaped token with an `exp`, like an app's (the bench server only checks "Bearer present").
const b64url = (json: object) => btoa(JSON.stringify(json)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
const TOKEN = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: 'bench', exp: Math.floor(Date.now() / 1000) + 3600 })}.c2lnbmF0dXJl`;

let root: EnvironmentInjector;

// ---- the sink: the user code every variant delivers to ------------------------------------------

let count = 0;
let target = 0;
let firstAt = 0;
let lastAt = 0;
let checksum = 0;
let finished: (() => void) | null = null;

function sink(message: BenchMessage): void {
  checksum += message.seq;
  if (count === 0) firstAt = performance.now();
  if (++count === target) {
    lastAt = performance.now();
    finished?.();
  }
}

function armSink(n: number, timeoutMs: number): Promise<{ ms: number; n: number; rate: number; checksum: number }> {
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

// ---- sockets, tickets and service instances ---------------------------------------------------

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const epochNow = () => performance.timeOrigin + performance.now();

// A macrotask boundary without setTimeout's 4 ms clamp for nested timers.
const channel = new MessageChannel();
const yieldQueue: Array<() => void> = [];
channel.port1.onmessage = () => yieldQueue.shift()?.();
function yieldTask(): Promise<void> {
  return new Promise((resolve) => {
    yieldQueue.push(resolve);
    channel.port2.postMessage(null);
  });
}

async function fetchTicket(): Promise<string> {
  const response = await fetch('/ws_ticket', { headers: { Authorization: `Bearer ${TOKEN}` } });
  if (!response.ok) throw new Error(`ticket: HTTP ${response.status}`);
  const body = (await response.json()) as { ticket: string };
  return body.ticket;
}

function openRaw(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.onopen = () => resolve(ws);
    ws.onerror = () => reject(new Error('raw socket failed'));
  });
}

/**
 * A fresh AuthSocketService in its own injector; `http: 'xhr'` gives it an HttpClient without
 * withFetch(); `createSocket` swaps the WebSocket through the public AUTH_SOCKET_RUNTIME.
 */
function createService(
  config: Partial<AuthSocketConfig> = {},
  http: 'root' | 'xhr' = 'root',
  createSocket?: () => SocketLike,
): { service: AuthSocketService; dispose: () => void } {
  const providers = [provideAuthSocket({ url: '/channel/', auth: 'ticket', ...config })];
  if (http === 'xhr') providers.unshift(provideHttpClient(withInterceptors([authTokenInterceptor])));
  if (createSocket) providers.push({ provide: AUTH_SOCKET_RUNTIME, useValue: { ...browserRuntime(), createSocket } } as never);
  const injector = createEnvironmentInjector(providers, root);
  return { service: injector.get(AuthSocketService), dispose: () => injector.destroy() };
}

/** Resolves with `performance.now()` taken synchronously when the state becomes `open`. */
function whenOpen(service: AuthSocketService, timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let subscription: Subscription | null = null;
    const timer = setTimeout(() => finish(new Error(`not open after ${timeoutMs} ms (state ${service.state().kind})`)), timeoutMs);
    const finish = (outcome: number | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      queueMicrotask(() => subscription?.unsubscribe());
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    subscription = service.state$.subscribe((s: ConnectionState) => {
      if (s.kind === 'open') finish(performance.now());
      else if (s.kind === 'closed' || s.kind === 'unauthorized') finish(new Error(`socket went ${s.kind}`));
    });
    if (settled) queueMicrotask(() => subscription?.unsubscribe());
  });
}

// ---- 1 + 2: receive throughput and typed fan-out ------------------------------------------------

async function receive(variant: ReceiveVariant, n: number, k: number): Promise<{ ms: number; n: number; rate: number; checksum: number }> {
  const types = Array.from({ length: k }, (_, i) => `t${i}`);
  const start = { type: 'bench_start', n, types: k };
  const result = armSink(n, 20_000 + n / 5);
  const cleanup: Array<() => void> = [];
  try {
    switch (variant) {
      case 'raw': {
        const ws = await openRaw(`${WS_URL}?ticket=${encodeURIComponent(await fetchTicket())}`);
        cleanup.push(() => ws.close());
        ws.onmessage = (e: MessageEvent) => sink(JSON.parse(e.data as string));
        ws.send(JSON.stringify(start));
        break;
      }
      case 'raw-map': {
        const handlers = new Map<string, (m: BenchMessage) => void>();
        for (const type of types) handlers.set(type, sink);
        const ws = await openRaw(`${WS_URL}?ticket=${encodeURIComponent(await fetchTicket())}`);
        cleanup.push(() => ws.close());
        ws.onmessage = (e: MessageEvent) => {
          const m = JSON.parse(e.data as string) as BenchMessage;
          const handler = handlers.get(m.type);
          if (handler !== undefined) handler(m);
        };
        ws.send(JSON.stringify(start));
        break;
      }
      case 'rxjs':
      case 'rxjs-filter': {
        const subject = webSocket<BenchMessage | typeof start>(`${WS_URL}?ticket=${encodeURIComponent(await fetchTicket())}`);
        const subscriptions = new Subscription();
        cleanup.push(() => subscriptions.unsubscribe());
        if (variant === 'rxjs') {
          subscriptions.add(subject.subscribe((m) => sink(m as BenchMessage)));
        } else {
          for (const type of types) subscriptions.add(subject.pipe(filter((m) => m.type === type)).subscribe((m) => sink(m as BenchMessage)));
        }
        subject.next(start); // buffered by rxjs until the socket opens
        break;
      }
      case 'lib':
      case 'lib-on': {
        const { service, dispose } = createService();
        cleanup.push(dispose);
        const opened = whenOpen(service);
        const subscriptions = new Subscription();
        cleanup.unshift(() => subscriptions.unsubscribe());
        if (variant === 'lib') {
          subscriptions.add(service.messages$.subscribe((m) => sink(m as BenchMessage)));
        } else {
          for (const type of types) subscriptions.add(service.on<BenchMessage>(type).subscribe(sink));
        }
        await opened;
        service.send(start);
        break;
      }
    }
    return await result;
  } finally {
    for (const release of cleanup) release();
  }
}

// ---- 1b: the hot path without the network ------------------------------------------------------

/**
 * A socket that never touches the network: the bench calls its `onmessage` with pre-built events,
 * so what is timed is only the JavaScript between a frame and user code.
 */
class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static last: FakeSocket | null = null;
  readyState = 0;
  binaryType: BinaryType = 'blob';
  protocol = '';
  onopen: ((e: Event) => void) | null = null;
  onmessage: ((e: MessageEvent) => void) | null = null;
  onclose: ((e: CloseEvent) => void) | null = null;
  onerror: ((e: Event) => void) | null = null;

  constructor() {
    FakeSocket.last = this;
    setTimeout(() => {
      this.readyState = 1;
      this.onopen?.(new Event('open'));
    });
  }

  send(): void {}

  close(): void {
    this.readyState = 3;
  }
}

function fakeFrames(k: number): Array<{ data: string }> {
  const frames: Array<{ data: string }> = [];
  for (let i = 0; i < Math.max(k, 1000); i++) {
    const head = `{"type":"t${i % k}","seq":${i},"data":"`;
    frames.push({ data: head + 'x'.repeat(98 - head.length) + '"}' });
  }
  return frames;
}

interface HotSetup {
  deliver: (e: { data: string }) => void;
  cleanup: () => void;
}

/** Sets `variant` up on a fake socket, subscribed with the shared sink; returns its frame entry point. */
async function setupHot(variant: ReceiveVariant, k: number): Promise<HotSetup> {
  const types = Array.from({ length: k }, (_, i) => `t${i}`);
  const cleanup: Array<() => void> = [];
  const release = () => {
    for (const step of cleanup) step();
  };
  FakeSocket.last = null;
  try {
    switch (variant) {
      case 'raw':
        return { deliver: (e) => sink(JSON.parse(e.data)), cleanup: release };
      case 'raw-map': {
        const handlers = new Map<string, (m: BenchMessage) => void>();
        for (const type of types) handlers.set(type, sink);
        return {
          deliver: (e) => {
            const m = JSON.parse(e.data) as BenchMessage;
            const handler = handlers.get(m.type);
            if (handler !== undefined) handler(m);
          },
          cleanup: release,
        };
      }
      case 'rxjs':
      case 'rxjs-filter': {
        const subject = webSocket<BenchMessage>({ url: WS_URL, WebSocketCtor: FakeSocket as unknown as typeof WebSocket });
        const subscriptions = new Subscription();
        cleanup.push(() => subscriptions.unsubscribe());
        if (variant === 'rxjs') subscriptions.add(subject.subscribe(sink));
        else for (const type of types) subscriptions.add(subject.pipe(filter((m) => m.type === type)).subscribe(sink));
        await sleep(5);
        const socket = FakeSocket.last as FakeSocket | null;
        if (!socket?.onmessage) throw new Error('rxjs did not open the fake socket');
        const onmessage = socket.onmessage;
        return { deliver: (e) => onmessage(e as MessageEvent), cleanup: release };
      }
      case 'lib':
      case 'lib-on': {
        const { service, dispose } = createService({ auth: 'first-message', firstMessage: { waitForAck: false } }, 'root', () => new FakeSocket() as unknown as SocketLike);
        cleanup.push(dispose);
        const opened = whenOpen(service);
        const subscriptions = new Subscription();
        cleanup.unshift(() => subscriptions.unsubscribe());
        if (variant === 'lib') subscriptions.add(service.messages$.subscribe((m) => sink(m as BenchMessage)));
        else for (const type of types) subscriptions.add(service.on<BenchMessage>(type).subscribe(sink));
        await opened;
        const socket = FakeSocket.last as FakeSocket | null;
        if (!socket?.onmessage) throw new Error('the library did not open the fake socket');
        const onmessage = socket.onmessage;
        return { deliver: (e) => onmessage(e as MessageEvent), cleanup: release };
      }
    }
  } catch (error) {
    release();
    throw error;
  }
}

/** Feeds `n` frames to `deliver` in bursts of 1 000 per task and times them at the sink. */
async function feed(deliver: (e: { data: string }) => void, frames: Array<{ data: string }>, n: number): Promise<number> {
  const result = armSink(n, 60_000);
  const f = frames.length;
  for (let i = 0; i < n; ) {
    const end = Math.min(n, i + 1000);
    for (; i < end; i++) deliver(frames[i % f]);
    if (i < n) await yieldTask();
  }
  return (await result).rate;
}

/**
 * The hot path, finely interleaved: every `[variant, k, n]` spec is set up once (all at the same
 * time), then `rounds` rounds each feed `n` frames to every spec in an order rotated per round.
 * Rounds of a few tens of milliseconds keep neighbouring measurements under the same machine
 * conditions, so per-round ratios pair well. Returns msgs/s per round under `${variant}@${k}`.
 */
async function hotPathRounds(specs: Array<[ReceiveVariant, number, number]>, rounds: number): Promise<Record<string, number[]>> {
  const frames = new Map<number, Array<{ data: string }>>();
  const setups: HotSetup[] = [];
  const out: Record<string, number[]> = Object.fromEntries(specs.map(([v, k]) => [`${v}@${k}`, []]));
  try {
    for (const [v, k] of specs) {
      if (!frames.has(k)) frames.set(k, fakeFrames(k));
      setups.push(await setupHot(v, k));
    }
    for (let r = 0; r < rounds; r++) {
      for (let j = 0; j < specs.length; j++) {
        const i = (r + j) % specs.length;
        const [v, k, n] = specs[i];
        out[`${v}@${k}`].push(await feed(setups[i].deliver, frames.get(k)!, n));
      }
    }
  } finally {
    for (const setup of setups) setup.cleanup();
  }
  return out;
}

/** One variant on the hot path (for profiles). */
async function hotPath(variant: ReceiveVariant, n: number, k: number): Promise<{ rate: number }> {
  const setup = await setupHot(variant, k);
  try {
    return { rate: await feed(setup.deliver, fakeFrames(k), n) };
  } finally {
    setup.cleanup();
  }
}

// ---- 4: connect latency -------------------------------------------------------------------------

/**
 * One connect, timed from the start of the work to authenticated `open`. `split` is when the
 * first phase ended: the ticket was in hand (ticket modes) or the socket was open (first-message).
 */
async function connectOnce(variant: ConnectVariant): Promise<{ ms: number; split: number }> {
  switch (variant) {
    case 'raw-ticket': {
      const t0 = performance.now();
      const response = await fetch('/ws_ticket', { headers: { Authorization: `Bearer ${TOKEN}` } });
      const { ticket } = (await response.json()) as { ticket: string };
      const split = performance.now();
      const ws = new WebSocket(`${WS_URL}?ticket=${encodeURIComponent(ticket)}`);
      const t1 = await new Promise<number>((resolve, reject) => {
        ws.onopen = () => resolve(performance.now());
        ws.onerror = () => reject(new Error('raw socket failed'));
      });
      ws.close();
      return { ms: t1 - t0, split: split - t0 };
    }
    case 'raw-first': {
      const t0 = performance.now();
      let split = t0;
      const ws = new WebSocket(WS_URL);
      const t1 = await new Promise<number>((resolve, reject) => {
        ws.onopen = () => {
          split = performance.now();
          ws.send(JSON.stringify({ type: 'auth', payload: TOKEN }));
        };
        ws.onmessage = (e: MessageEvent) => {
          if ((JSON.parse(e.data as string) as SocketMessage).type === 'auth_ok') resolve(performance.now());
        };
        ws.onerror = () => reject(new Error('raw socket failed'));
      });
      ws.close();
      return { ms: t1 - t0, split: split - t0 };
    }
    case 'lib-ticket':
    case 'lib-ticket-xhr':
    case 'lib-first': {
      const firstMessage = variant === 'lib-first';
      const { service, dispose } = createService({ auth: firstMessage ? 'first-message' : 'ticket' }, variant === 'lib-ticket-xhr' ? 'xhr' : 'root');
      try {
        const opened = whenOpen(service);
        let split = NaN;
        // Ticket mode: fetching-ticket → connecting (ticket in hand) → open.
        // First-message: connecting → authenticating (socket open, auth frame sent) → open.
        const phases = service.state$.subscribe((s) => {
          if (Number.isNaN(split) && s.kind === (firstMessage ? 'authenticating' : 'connecting') && (firstMessage || s.attempt >= 1)) split = performance.now();
        });
        const t0 = performance.now();
        const subscription = service.messages$.subscribe();
        const t1 = await opened;
        subscription.unsubscribe();
        phases.unsubscribe();
        return { ms: t1 - t0, split: split - t0 };
      } finally {
        dispose();
      }
    }
  }
}

/** `samples` rounds; each round measures every variant once, in an order rotated per round. */
async function connectRound(variants: ConnectVariant[], samples: number): Promise<{ ms: Record<string, number[]>; split: Record<string, number[]> }> {
  const ms: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v, []]));
  const split: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v, []]));
  for (let i = 0; i < samples; i++) {
    for (let j = 0; j < variants.length; j++) {
      const variant = variants[(i + j) % variants.length];
      const sample = await connectOnce(variant);
      ms[variant].push(sample.ms);
      split[variant].push(sample.split);
      await sleep(2);
    }
  }
  return { ms, split };
}

/** Round trips of one small message over an open raw socket, for scale. */
async function echoRtt(samples: number): Promise<number[]> {
  const ws = await openRaw(`${WS_URL}?ticket=${encodeURIComponent(await fetchTicket())}`);
  const out: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        ws.onmessage = () => resolve();
        ws.send(JSON.stringify({ type: 'echo', i }));
      });
      out.push(performance.now() - t0);
    }
  } finally {
    ws.close();
  }
  return out;
}

// ---- 4b: reconnect after a server kill ----------------------------------------------------------

interface Transition {
  readonly t: number; // epoch ms (performance.timeOrigin + performance.now())
  readonly kind: ConnectionState['kind'];
  readonly attempt?: number;
  readonly delayMs?: number;
  readonly retryAt?: number;
}

const armed = new Map<number, { service: AuthSocketService; dispose: () => void; transitions: Transition[]; subscriptions: Subscription }>();
let nextArmedId = 1;

async function reconnectArm(config: Partial<AuthSocketConfig>): Promise<number> {
  const { service, dispose } = createService(config);
  const transitions: Transition[] = [];
  const subscriptions = new Subscription();
  subscriptions.add(
    service.state$.subscribe((s) =>
      transitions.push({
        t: epochNow(),
        kind: s.kind,
        attempt: 'attempt' in s ? s.attempt : undefined,
        delayMs: s.kind === 'reconnecting' ? s.delayMs : undefined,
        retryAt: s.kind === 'reconnecting' ? s.retryAt : undefined,
      }),
    ),
  );
  const opened = whenOpen(service);
  subscriptions.add(service.messages$.subscribe());
  await opened;
  const id = nextArmedId++;
  armed.set(id, { service, dispose, transitions, subscriptions });
  return id;
}

/** Waits until the instance left `open` and came back; returns every transition recorded. */
async function reconnectWait(id: number, timeoutMs: number): Promise<Transition[]> {
  const entry = armed.get(id);
  if (!entry) throw new Error(`no armed instance ${id}`);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const ts = entry.transitions;
    const left = ts.findIndex((tr, i) => i > 0 && ts[i - 1].kind === 'open' && tr.kind !== 'open');
    if (left >= 0 && ts.slice(left).some((tr) => tr.kind === 'open')) return ts;
    if (performance.now() > deadline) throw new Error(`no reconnect within ${timeoutMs} ms: ${ts.map((tr) => tr.kind).join(' → ')}`);
    await sleep(5);
  }
}

function reconnectDispose(id: number): void {
  const entry = armed.get(id);
  if (!entry) return;
  entry.subscriptions.unsubscribe();
  entry.dispose();
  armed.delete(id);
}

// ---- 5: memory ----------------------------------------------------------------------------------

/** `count` create → connect → disconnect → destroy cycles. */
async function cycles(variant: 'lib' | 'raw', countCycles: number): Promise<void> {
  for (let i = 0; i < countCycles; i++) {
    if (variant === 'raw') {
      const ws = await openRaw(`${WS_URL}?ticket=${encodeURIComponent(await fetchTicket())}`);
      ws.close();
      continue;
    }
    const { service, dispose } = createService();
    const opened = whenOpen(service);
    const subscription = service.messages$.subscribe();
    await opened;
    subscription.unsubscribe();
    service.disconnect();
    dispose();
  }
}

// ---- bootstrap ----------------------------------------------------------------------------------

async function main(): Promise<void> {
  const app = await bootstrapApplication(BenchRoot, {
    providers: [provideZonelessChangeDetection(), provideHttpClient(withFetch(), withInterceptors([authTokenInterceptor]))],
  });
  root = app.injector.get(ApplicationRef).injector;
  root.get(AuthTokenStore).set(TOKEN);
  const bench = {
    receive,
    hotPath,
    hotPathRounds,
    connectRound,
    echoRtt,
    reconnectArm,
    reconnectWait,
    reconnectDispose,
    cycles,
    sleep,
    epochNow,
    /** Forces a full GC when Chromium runs with --js-flags=--expose-gc. */
    gc(): boolean {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (!gc) return false;
      gc();
      return true;
    },
  };
  (window as unknown as { bench: typeof bench }).bench = bench;
  document.body.dataset['benchReady'] = 'true';
}

main().catch((error: unknown) => {
  console.error(error);
  document.body.dataset['benchError'] = String(error);
});
