// playwright-core driving Debian Chromium (never a downloaded browser), and helpers that read the
// demo app like a person would: by its visible state and test ids.
import { chromium } from 'playwright-core';
import FLAGS from '../../scripts/chromium-flags.cjs';

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROME_BIN || '/usr/bin/chromium',
    args: FLAGS,
    headless: true,
  });
}

/**
 * Opens the demo in a fresh context and records every WebSocket the page opens (URL, frames,
 * close) and every console error or uncaught exception.
 */
export async function openDemo(browser, baseUrl, query = '') {
  const context = await browser.newContext();
  return { context, ...(await openTab(context, baseUrl, query)) };
}

/** Opens the demo in another tab of `context` (tabs of one context share BroadcastChannel and locks). */
export async function openTab(context, baseUrl, query = '') {
  const page = await context.newPage();
  const sockets = [];
  const problems = [];
  page.on('websocket', (ws) => {
    const entry = { url: ws.url(), received: [], sent: [], closed: false };
    sockets.push(entry);
    ws.on('framereceived', (f) => entry.received.push(String(f.payload)));
    ws.on('framesent', (f) => entry.sent.push(String(f.payload)));
    ws.on('close', () => (entry.closed = true));
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/WebSocket|Failed to load resource|status of 40[13]|status of 50\d/.test(m.text())) {
      problems.push(`console: ${m.text()}`);
    }
  });
  await page.goto(`${baseUrl}/${query}`);
  return { page, sockets, problems };
}

export async function login(page, user, password = user) {
  await page.fill('#user', user);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
}

/** Waits until the demo shows connection state `kind` (the badge text). */
export async function waitForState(page, kind, timeout = 20_000) {
  await page.waitForFunction(
    (k) => document.querySelector('[data-testid=state-kind]')?.textContent?.trim() === k,
    kind,
    { timeout },
  );
}

export async function stateKind(page) {
  return (await page.textContent('[data-testid=state-kind]'))?.trim();
}

export async function say(page, text) {
  await page.fill('[data-testid=chat-input]', text);
  await page.click('[data-testid=send]');
}

/** Waits until the chat log shows a line containing `text`. */
export async function waitForChat(page, text, timeout = 20_000) {
  await page.waitForFunction(
    (t) => [...document.querySelectorAll('[data-testid=messages] li')].some((li) => li.textContent?.includes(t)),
    text,
    { timeout },
  );
}

export async function chatLines(page) {
  return page.$$eval('[data-testid=messages] li', (lis) => lis.map((li) => li.textContent?.trim() ?? ''));
}

/** Ticket values of the page's sockets, in order. */
export function ticketsOf(sockets) {
  return sockets.map((s) => new URL(s.url).searchParams.get('ticket'));
}

/** Polls a Node-side condition (e.g. a recorded socket event) until it holds or `timeout` passes. */
export async function waitUntil(predicate, what, timeout = 15_000) {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > timeout) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Opens the lab page (served as STATIC_DIR) and waits for `window.lab`. */
export async function openLab(browser, baseUrl) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const sockets = [];
  const problems = [];
  page.on('websocket', (ws) => {
    const entry = { url: ws.url(), closed: false };
    sockets.push(entry);
    ws.on('close', () => (entry.closed = true));
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/WebSocket|Failed to load resource|status of \d{3}/.test(m.text()))
      problems.push(`console: ${m.text()}`);
  });
  await page.goto(`${baseUrl}/`);
  await page.waitForSelector('body[data-lab-ready=true]');
  return { context, page, sockets, problems };
}
