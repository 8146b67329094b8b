/**
 * The bench page. A zoneless Angular app that exposes `window.bench`, which bench/run.mjs calls
 * over the Chrome DevTools Protocol. Every client runs here, in the same page and against the same
 * sink: a raw `WebSocket` + `JSON.parse` (the same handler the near-empty page apps/plain runs),
 * `AuthSocketService` instances in their own environment injectors (so each measurement starts
 * from a fresh service), rxjs `webSocket`, graphql-ws, partysocket, reconnecting-websocket and
 * socket.io-client.
 *
 * Only the library's public API is used.
 */
import { provideHttpClient, withFetch, withInterceptors } from '@angular/common/http';
import { ApplicationRef, Component, EnvironmentInjector, createEnvironmentInjector, provideZonelessChangeDetection } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import { WebSocket as EngineIoWebSocket } from 'engine.io-client';
import { createClient } from 'graphql-ws';
import { WebSocket as PartyWebSocket } from 'partysocket';
import ReconnectingWebSocket from 'reconnecting-websocket';
import { Subscription, filter } from 'rxjs';
import { webSocket } from 'rxjs/webSocket';
import { io } from 'socket.io-client';
import {
  AUTH_SOCKET_RUNTIME,
  AuthSocketConfig,
  AuthSocketFeature,
  AuthSocketService,
  AuthTokenStore,
  ChannelState,
  ConnectionState,
  SocketLike,
  SocketMessage,
  authTokenInterceptor,
  browserRuntime,
  provideAuthSocket,
  withChannels,
} from 'ngx-auth-socket';
import {
  BenchMessage,
  FakeSocket,
  FrameFormat,
  TOKEN,
  WS_URL,
  commonBench,
  fakeFrames,
  fetchTicket,
  openRaw,
  prepareHotRaw,
  prepareRaw,
  register,
  registerHot,
  sink,
  sleep,
  ticketUrl,
} from '../../shared/measure';

@Component({ selector: 'bench-root', template: `<p>ngx-auth-socket bench: driven through window.bench</p>` })
class BenchRoot {}

/** Every client the throughput, fan-out and channel figures run. `k` is the number of types (or channels). */
export type ReceiveVariant =
  | 'raw'
  | 'raw-map'
  | 'rxjs'
  | 'rxjs-filter'
  | 'lib'
  | 'lib-on'
  | 'lib-channel'
  | 'graphql-ws'
  | 'partysocket'
  | 'rws'
  | 'socket.io';
export type ConnectVariant = 'raw-ticket' | 'lib-ticket' | 'lib-ticket-xhr' | 'raw-first' | 'lib-first';

let root: EnvironmentInjector;
const epochNow = () => performance.timeOrigin + performance.now();

// ---- service instances --------------------------------------------------------------------------

/**
 * A fresh AuthSocketService in its own injector; `http: 'xhr'` gives it an HttpClient without
 * withFetch(); `createSocket` swaps the WebSocket through the public AUTH_SOCKET_RUNTIME.
 */
function createService(
  config: Partial<AuthSocketConfig> = {},
  http: 'root' | 'xhr' = 'root',
  createSocket?: (url: string, protocols?: string | string[]) => SocketLike,
  features: AuthSocketFeature[] = [],
): { service: AuthSocketService; dispose: () => void } {
  const providers = [provideAuthSocket({ url: '/channel/', auth: 'ticket', ...config }, ...features)];
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

/** Resolves when every channel in `names` of `service` is joined. */
function whenJoined(service: AuthSocketService, names: string[], timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let waiting = names.length;
    const subscriptions = new Subscription();
    const timer = setTimeout(() => {
      subscriptions.unsubscribe();
      reject(new Error(`${waiting} of ${names.length} channels not joined after ${timeoutMs} ms`));
    }, timeoutMs);
    for (const name of names) {
      let seen = false;
      subscriptions.add(
        service.channel(name).state$.subscribe((s: ChannelState) => {
          if (seen || s.kind !== 'joined') return;
          seen = true;
          if (--waiting === 0) {
            clearTimeout(timer);
            queueMicrotask(() => subscriptions.unsubscribe());
            resolve();
          }
        }),
      );
    }
  });
}

function once(target: { addEventListener(type: string, listener: () => void): void }, type: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} within ${timeoutMs} ms`)), timeoutMs);
    target.addEventListener(type, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const types = (k: number) => Array.from({ length: k }, (_, i) => `t${i}`);
const channelNames = (k: number) => Array.from({ length: k }, (_, i) => `c${i}`);
const startFrame = (n: number, k: number) => ({ type: 'bench_start', n, types: k });

// ---- 1, 2, 6: every client over the network, prepared then measured -------------------------------

/**
 * Opens and subscribes `variant` (K types or channels, one subscriber each) and returns the id of
 * the prepared run; `bench.go(id, n)` then asks for the frames and times them at the sink.
 */
async function prepare(variant: ReceiveVariant, k = 1): Promise<number> {
  switch (variant) {
    case 'raw':
      return prepareRaw(k, 'direct');
    case 'raw-map':
      return prepareRaw(k, 'map');
    case 'rxjs':
    case 'rxjs-filter': {
      let opened!: () => void;
      const open = new Promise<void>((resolve) => (opened = resolve));
      const subject = webSocket<BenchMessage | ReturnType<typeof startFrame>>({ url: await ticketUrl(), openObserver: { next: () => opened() } });
      const subscriptions = new Subscription();
      if (variant === 'rxjs') subscriptions.add(subject.subscribe((m) => sink(m as BenchMessage)));
      else for (const type of types(k)) subscriptions.add(subject.pipe(filter((m) => m.type === type)).subscribe((m) => sink(m as BenchMessage)));
      await open;
      return register(
        (n) => subject.next(startFrame(n, k)),
        () => subscriptions.unsubscribe(),
      );
    }
    case 'lib':
    case 'lib-on':
    case 'lib-channel': {
      const { service, dispose } = createService({}, 'root', undefined, variant === 'lib-channel' ? [withChannels()] : []);
      const opened = whenOpen(service);
      const subscriptions = new Subscription();
      if (variant === 'lib') subscriptions.add(service.messages$.subscribe((m) => sink(m as BenchMessage)));
      else if (variant === 'lib-on') for (const type of types(k)) subscriptions.add(service.on<BenchMessage>(type).subscribe(sink));
      else for (const name of channelNames(k)) subscriptions.add(service.channel<BenchMessage>(name).messages$.subscribe(sink));
      await opened;
      if (variant === 'lib-channel') await whenJoined(service, channelNames(k));
      return register(
        (n) => service.send(variant === 'lib-channel' ? { type: 'bench_start', n, channels: k } : startFrame(n, k)),
        () => {
          subscriptions.unsubscribe();
          dispose();
        },
      );
    }
    case 'graphql-ws': {
      let connected!: () => void;
      const ready = new Promise<void>((resolve) => (connected = resolve));
      const client = createClient({
        url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
        lazy: false,
        retryAttempts: 0,
        generateID: () => '1',
        on: { connected: () => connected() },
        onNonLazyError: () => undefined,
      });
      await ready;
      let unsubscribe = () => {};
      return register(
        (n) => {
          unsubscribe = client.subscribe<BenchMessage>(
            { query: 'subscription Bench($n: Int!, $types: Int!) { bench(n: $n, types: $types) }', variables: { n, types: k } },
            { next: (result) => sink(result.data as BenchMessage), error: (e) => console.error(e), complete: () => undefined },
          );
        },
        () => {
          unsubscribe();
          void client.dispose();
        },
      );
    }
    case 'partysocket':
    case 'rws': {
      const socket =
        variant === 'partysocket'
          ? new PartyWebSocket(ticketUrl, [], { maxRetries: 0 })
          : new ReconnectingWebSocket(ticketUrl, [], { maxRetries: 0 });
      const open = once(socket, 'open');
      socket.addEventListener('message', (e: MessageEvent) => sink(JSON.parse(e.data as string)));
      await open;
      return register(
        (n) => socket.send(JSON.stringify(startFrame(n, k))),
        () => socket.close(),
      );
    }
    case 'socket.io': {
      const socket = io(location.origin, { transports: ['websocket'], forceNew: true, reconnection: false });
      for (const type of types(k)) socket.on(type, (m: BenchMessage) => sink(m));
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', (e) => reject(e));
      });
      return register(
        (n) => socket.emit('bench_start', { n, types: k }),
        () => socket.disconnect(),
      );
    }
  }
}

// ---- 1b, 2b, 6b: the hot path without the network ------------------------------------------------

/** A socket.io transport on the fake socket (Engine.IO builds its WebSocket in `createSocket`). */
class FakeEngineIoTransport extends EngineIoWebSocket {
  override createSocket(uri: string): never {
    return new FakeSocket(uri) as never;
  }
}

/** Sets `variant` up on a fake socket, subscribed with the shared sink; returns the hot run's id. */
async function prepareHot(variant: ReceiveVariant, k = 1): Promise<number> {
  if (variant === 'raw' || variant === 'raw-map') return prepareHotRaw(k, variant === 'raw' ? 'direct' : 'map');
  const cleanup: Array<() => void> = [];
  const release = () => {
    for (const step of cleanup) step();
  };
  const socketOf = () => {
    const socket = FakeSocket.last;
    if (!socket) throw new Error(`${variant} did not open the fake socket`);
    return socket;
  };
  let format: FrameFormat = 'plain';
  FakeSocket.last = null;
  try {
    switch (variant) {
      case 'rxjs':
      case 'rxjs-filter': {
        const subject = webSocket<BenchMessage>({ url: WS_URL, WebSocketCtor: FakeSocket as unknown as typeof WebSocket });
        const subscriptions = new Subscription();
        cleanup.push(() => subscriptions.unsubscribe());
        if (variant === 'rxjs') subscriptions.add(subject.subscribe(sink));
        else for (const type of types(k)) subscriptions.add(subject.pipe(filter((m) => m.type === type)).subscribe(sink));
        await sleep(5);
        break;
      }
      case 'lib':
      case 'lib-on':
      case 'lib-channel': {
        const { service, dispose } = createService(
          { auth: 'first-message', firstMessage: { waitForAck: false } },
          'root',
          (url, protocols) => new FakeSocket(url, protocols) as unknown as SocketLike,
          variant === 'lib-channel' ? [withChannels()] : [],
        );
        cleanup.push(dispose);
        const opened = whenOpen(service);
        const subscriptions = new Subscription();
        cleanup.unshift(() => subscriptions.unsubscribe());
        if (variant === 'lib') subscriptions.add(service.messages$.subscribe((m) => sink(m as BenchMessage)));
        else if (variant === 'lib-on') for (const type of types(k)) subscriptions.add(service.on<BenchMessage>(type).subscribe(sink));
        else for (const name of channelNames(k)) subscriptions.add(service.channel<BenchMessage>(name).messages$.subscribe(sink));
        await opened;
        if (variant === 'lib-channel') {
          await whenJoined(service, channelNames(k));
          format = 'channel';
        }
        break;
      }
      case 'graphql-ws': {
        let connected!: () => void;
        const ready = new Promise<void>((resolve) => (connected = resolve));
        const client = createClient({
          url: 'ws://fake.invalid/graphql',
          webSocketImpl: FakeSocket,
          lazy: false,
          retryAttempts: 0,
          generateID: () => '1',
          on: { connected: () => connected() },
          onNonLazyError: () => undefined,
        });
        cleanup.push(() => void client.dispose());
        await ready;
        const unsubscribe = client.subscribe<BenchMessage>({ query: 'subscription { bench }' }, { next: (r) => sink(r.data as BenchMessage), error: () => undefined, complete: () => undefined });
        cleanup.unshift(unsubscribe);
        await sleep(1);
        format = 'graphql-ws';
        break;
      }
      case 'partysocket':
      case 'rws': {
        const socket =
          variant === 'partysocket'
            ? new PartyWebSocket('ws://fake.invalid/channel/', [], { WebSocket: FakeSocket, maxRetries: 0 })
            : new ReconnectingWebSocket('ws://fake.invalid/channel/', [], { WebSocket: FakeSocket, maxRetries: 0 });
        cleanup.push(() => socket.close());
        const open = once(socket, 'open');
        socket.addEventListener('message', (e: MessageEvent) => sink(JSON.parse(e.data as string)));
        await open;
        break;
      }
      case 'socket.io': {
        const socket = io('http://fake.invalid', { transports: [FakeEngineIoTransport] as never, forceNew: true, reconnection: false });
        cleanup.push(() => socket.disconnect());
        for (const type of types(k)) socket.on(type, (m: BenchMessage) => sink(m));
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', (e) => reject(e));
        });
        format = 'socket.io';
        break;
      }
    }
    return registerHot(socketOf().messageHandler(), fakeFrames(format, k), release);
  } catch (error) {
    release();
    throw error;
  }
}

// ---- 6: channels re-joined after a reconnect -------------------------------------------------------

interface RejoinArmed {
  readonly service: AuthSocketService;
  readonly dispose: () => void;
  readonly subscriptions: Subscription;
  readonly names: string[];
  /** The cycle being watched: set by `rejoinCycle`, advanced by the watchers made in `rejoinArm`. */
  cycle: RejoinWatch | null;
}

interface RejoinWatch {
  left: boolean;
  openAt: number;
  firstJoinedAt: number;
  joinedAgain: number;
  readonly lost: Set<string>;
  readonly done: () => void;
}

const rejoinArmed = new Map<number, RejoinArmed>();
let nextRejoinId = 1;

/**
 * A service with `k` channels joined (one subscriber each), ready to lose its socket. The watchers
 * of the connection and channel states are subscribed here, once, so a cycle's main-thread time
 * holds only what the library does.
 */
async function rejoinArm(k: number, config: Partial<AuthSocketConfig>): Promise<number> {
  const { service, dispose } = createService(config, 'root', undefined, [withChannels()]);
  const names = channelNames(k);
  const subscriptions = new Subscription();
  const opened = whenOpen(service);
  for (const name of names) subscriptions.add(service.channel(name).messages$.subscribe());
  await opened;
  await whenJoined(service, names);
  const armed: RejoinArmed = { service, dispose, subscriptions, names, cycle: null };
  subscriptions.add(
    service.state$.subscribe((s) => {
      const watch = armed.cycle;
      if (!watch) return;
      if (s.kind !== 'open') watch.left = true;
      else if (watch.left && Number.isNaN(watch.openAt)) watch.openAt = performance.now();
    }),
  );
  for (const name of names) {
    subscriptions.add(
      service.channel(name).state$.subscribe((s) => {
        const watch = armed.cycle;
        if (!watch) return;
        if (s.kind !== 'joined') watch.lost.add(name);
        else if (watch.lost.delete(name) && !Number.isNaN(watch.openAt)) {
          if (watch.joinedAgain === 0) watch.firstJoinedAt = performance.now();
          if (++watch.joinedAgain === names.length) watch.done();
        }
      }),
    );
  }
  const id = nextRejoinId++;
  rejoinArmed.set(id, armed);
  return id;
}

/**
 * The server drops the socket (`bench_drop`: no close frame); times the reconnect and, from the new
 * socket's `open` (authenticated, as the state says it), the re-join of every channel.
 */
async function rejoinCycle(id: number): Promise<{ dropToOpenMs: number; openToAllJoinedMs: number; openToFirstJoinedMs: number; channels: number }> {
  const armed = rejoinArmed.get(id);
  if (!armed) throw new Error(`no armed channels ${id}`);
  const { service, names } = armed;
  let resolveDone!: (at: number) => void;
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  const watch: RejoinWatch = { left: false, openAt: NaN, firstJoinedAt: NaN, joinedAgain: 0, lost: new Set(), done: () => resolveDone(performance.now()) };
  armed.cycle = watch;
  const timer = setTimeout(() => resolveDone(NaN), 30_000);
  const droppedAt = performance.now();
  service.send({ type: 'bench_drop' });
  try {
    const allJoinedAt = await done;
    if (Number.isNaN(allJoinedAt)) throw new Error(`re-join: ${watch.joinedAgain} of ${names.length} joined after 30 s (state ${service.state().kind})`);
    return { dropToOpenMs: watch.openAt - droppedAt, openToAllJoinedMs: allJoinedAt - watch.openAt, openToFirstJoinedMs: watch.firstJoinedAt - watch.openAt, channels: names.length };
  } finally {
    clearTimeout(timer);
    armed.cycle = null;
  }
}

function rejoinDispose(id: number): void {
  const armed = rejoinArmed.get(id);
  rejoinArmed.delete(id);
  if (!armed) return;
  armed.subscriptions.unsubscribe();
  armed.dispose();
}

/** The same work by hand: a fresh ticket and socket, `k` join frames, time from open to the last `joined`. */
async function rejoinRaw(k: number): Promise<{ openToAllJoinedMs: number; openToFirstJoinedMs: number; channels: number }> {
  const url = await ticketUrl();
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const waiting = new Set(channelNames(k));
    let openAt = NaN;
    let firstJoinedAt = NaN;
    const timer = setTimeout(() => {
      ws.close();
      reject(new Error(`raw re-join: ${k - waiting.size} of ${k} joined after 30 s`));
    }, 30_000);
    ws.onopen = () => {
      openAt = performance.now();
      for (const name of waiting) ws.send(JSON.stringify({ type: 'join', channel: name }));
    };
    ws.onmessage = (e: MessageEvent) => {
      const m = JSON.parse(e.data as string) as { type: string; channel?: string };
      if (m.type !== 'joined' || m.channel === undefined || !waiting.delete(m.channel)) return;
      if (Number.isNaN(firstJoinedAt)) firstJoinedAt = performance.now();
      if (waiting.size === 0) {
        clearTimeout(timer);
        const allJoinedAt = performance.now();
        ws.close();
        resolve({ openToAllJoinedMs: allJoinedAt - openAt, openToFirstJoinedMs: firstJoinedAt - openAt, channels: k });
      }
    };
    ws.onerror = () => reject(new Error('raw socket failed'));
  });
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
    ...commonBench,
    prepare,
    prepareHot,
    rejoinArm,
    rejoinCycle,
    rejoinDispose,
    rejoinRaw,
    connectRound,
    echoRtt,
    reconnectArm,
    reconnectWait,
    reconnectDispose,
    cycles,
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
