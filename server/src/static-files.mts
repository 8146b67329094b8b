import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The file under `root` that `urlPath` names, or `null` if the path is malformed or escapes `root`
 * (`..`, encoded slashes, NUL bytes). Pure: no file-system access.
 */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const base = resolve(root);
  const target = resolve(join(base, decoded));
  return target === base || target.startsWith(base + sep) ? target : null;
}

/**
 * Whether a miss should get index.html: the SPA's client-side routes (`/chat`, `/login`) are not
 * files. Requests that look like assets (a dot in the last segment) and do not ask for HTML keep
 * their 404, so a missing bundle is not answered with a page of HTML.
 */
export function wantsSpaFallback(urlPath: string, accept: string | undefined): boolean {
  const last = urlPath.slice(urlPath.lastIndexOf('/') + 1);
  return !last.includes('.') || (accept ?? '').includes('text/html');
}

/** Serves GET/HEAD from `root` with the SPA fallback; answers 404 itself when nothing fits. */
export async function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  root: string,
  pathname: string,
): Promise<void> {
  const direct = resolveStaticPath(root, pathname.endsWith('/') ? `${pathname}index.html` : pathname);
  if (direct !== null && (await isFile(direct))) return sendFile(req, res, direct);
  const index = join(resolve(root), 'index.html');
  if (wantsSpaFallback(pathname, req.headers.accept) && (await isFile(index))) return sendFile(req, res, index);
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end('Not found');
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function sendFile(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const type = CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
  res.writeHead(200, {
    'Content-Type': type,
    // index.html must be revalidated so a redeploy is picked up; hashed bundles could be cached
    // longer, but this is a reference server and correctness beats speed.
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });
  if (req.method === 'HEAD') {
    res.end();
    return Promise.resolve();
  }
  return new Promise((done) => {
    const stream = createReadStream(path);
    stream.once('error', () => res.destroy());
    stream.once('close', () => done());
    stream.pipe(res);
  });
}
