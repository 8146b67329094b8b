/**
 * Chromium for the bench: launched by playwright-core, but the bench pages are driven through a
 * small Chrome DevTools Protocol client of our own.
 *
 * Why not playwright pages: playwright enables the `Network` domain on every page it attaches to,
 * and Chromium then reports every WebSocket frame as a CDP event (payload included). On two cores
 * that instrumentation more than halved the frame rate of a plain `WebSocket` and hid the cost of
 * the code under test. Pages created in the browser's default context (which a non-persistent
 * playwright browser does not manage, so it detaches from them) carry no instrumentation; we
 * enable only what a figure needs (`Profiler`, `HeapProfiler`).
 */
import { createServer } from 'node:net';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import CHROMIUM_FLAGS from '../../scripts/chromium-flags.cjs';

export const CHROMIUM = process.env.CHROME_BIN || '/usr/bin/chromium';

const BASE_ARGS = [
  ...CHROMIUM_FLAGS,
  // Frames keep coming while a test page sits in the background: never throttle it.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
  // performance.memory without bucketing, for the heap figure.
  '--enable-precise-memory-info',
];

/** A free loopback port (bound and released; good enough on a bench machine). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Launches Chromium; `exposeGc` adds `--js-flags=--expose-gc` (the memory figure). */
export async function launchBrowser({ exposeGc = false } = {}) {
  const debugPort = await freePort();
  const args = [...BASE_ARGS, `--remote-debugging-port=${debugPort}`, '--remote-allow-origins=*'];
  if (exposeGc) args.push('--js-flags=--expose-gc');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
  return {
    browser,
    debugPort,
    /**
     * Opens `url` in a fresh page outside playwright's contexts, in a window of its own, and
     * returns its CDP client. Its own window keeps every bench page visible: Chromium treats a
     * hidden tab differently (lower priority, V8's efficiency mode), and the pages compared in the
     * same round must run alike.
     */
    async openPage(url) {
      const { targetId } = await browserCommand(debugPort, 'Target.createTarget', { url: 'about:blank', newWindow: true });
      const targets = await (await fetch(`http://127.0.0.1:${debugPort}/json/list`)).json();
      const target = targets.find((t) => t.id === targetId);
      if (!target) throw new Error(`could not find the new page ${targetId}`);
      const page = await CdpPage.connect(target.webSocketDebuggerUrl, target.id, debugPort);
      await page.navigate(url);
      return page;
    },
    async close() {
      await browser.close();
    },
  };
}

/** One command on the browser target (not a page). */
export async function browserCommand(debugPort, method, params = {}) {
  const version = await (await fetch(`http://127.0.0.1:${debugPort}/json/version`)).json();
  const ws = new WebSocket(version.webSocketDebuggerUrl, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  try {
    return await new Promise((resolve, reject) => {
      ws.on('message', (data) => {
        const msg = JSON.parse(data.toString());
        if (msg.id !== 1) return;
        if (msg.error) reject(new Error(`${method}: ${msg.error.message}`));
        else resolve(msg.result);
      });
      ws.send(JSON.stringify({ id: 1, method, params }));
    });
  } finally {
    ws.close();
  }
}

/** A CDP connection to one page target. */
export class CdpPage {
  static async connect(wsUrl, targetId, debugPort) {
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false, maxPayload: 1 << 30 });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return new CdpPage(ws, targetId, debugPort);
  }

  constructor(ws, targetId, debugPort) {
    this.ws = ws;
    this.targetId = targetId;
    this.debugPort = debugPort;
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = new Map();
    this.console = [];
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      if (msg.id !== undefined) {
        const waiter = this.pending.get(msg.id);
        if (!waiter) return;
        this.pending.delete(msg.id);
        if (msg.error) waiter.reject(new Error(`${waiter.method}: ${msg.error.message}`));
        else waiter.resolve(msg.result);
        return;
      }
      for (const listener of this.listeners.get(msg.method) ?? []) listener(msg.params);
    });
    ws.on('close', () => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`${waiter.method}: page connection closed`));
      this.pending.clear();
    });
  }

  send(method, params = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  on(method, listener) {
    if (!this.listeners.has(method)) this.listeners.set(method, []);
    this.listeners.get(method).push(listener);
  }

  once(method) {
    return new Promise((resolve) => {
      const listener = (params) => {
        this.listeners.set(method, (this.listeners.get(method) ?? []).filter((l) => l !== listener));
        resolve(params);
      };
      this.on(method, listener);
    });
  }

  async navigate(url) {
    await this.send('Page.enable');
    const loaded = this.once('Page.loadEventFired');
    const result = await this.send('Page.navigate', { url });
    if (result.errorText) throw new Error(`navigation to ${url} failed: ${result.errorText}`);
    await loaded;
    await this.send('Page.disable');
  }

  /**
   * Calls `window.bench[name](...args)` in the page and returns its (awaited) JSON result.
   * Page exceptions become rejections with the page's message.
   */
  async call(name, ...args) {
    const expression = `window.bench.${name}(...${JSON.stringify(args)})`;
    return this.evaluate(expression);
  }

  async evaluate(expression) {
    const result = await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    if (result.exceptionDetails) {
      const detail = result.exceptionDetails.exception?.description ?? result.exceptionDetails.text;
      throw new Error(`page: ${detail}`);
    }
    return result.result.value;
  }

  /** Polls until `expression` is truthy. */
  async waitFor(expression, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await this.evaluate(expression)) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close() {
    try {
      await fetch(`http://127.0.0.1:${this.debugPort}/json/close/${this.targetId}`);
    } catch {
      // the browser may already be gone
    }
    this.ws.close();
  }
}

/** Opens the bench harness at `baseUrl` and waits until `window.bench` is ready. */
export async function openHarness(session, baseUrl) {
  const page = await session.openPage(`${baseUrl}/`);
  await page.waitFor(`document.body.dataset.benchReady === 'true' || (document.body.dataset.benchError && (() => { throw new Error(document.body.dataset.benchError) })())`);
  return page;
}
