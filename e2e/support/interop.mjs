// Opens the lab page in interop mode (projects/lab/src/interop.ts): one app set up like a real one,
// configured by `options`, driven through `window.interop`. Records every WebSocket the page opens
// and every console error or uncaught exception.
export async function openInterop(browser, baseUrl, options) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const sockets = [];
  const problems = [];
  const started = Date.now();
  page.on('websocket', (ws) => {
    const entry = { url: ws.url(), closed: false, sent: [], openedAt: Date.now() - started, closedAt: null };
    sockets.push(entry);
    ws.on('framesent', (f) => entry.sent.push(String(f.payload)));
    ws.on('close', () => {
      entry.closed = true;
      entry.closedAt = Date.now() - started;
    });
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/WebSocket|Failed to load resource|status of \d{3}/.test(m.text()))
      problems.push(`console: ${m.text()}`);
  });
  await page.goto(`${baseUrl}/?interop=${encodeURIComponent(JSON.stringify(options))}`);
  await page.waitForSelector('body[data-lab-ready=true]');
  return { context, page, sockets, problems };
}
