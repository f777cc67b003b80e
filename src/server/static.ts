/**
 * The built dashboard (web/dist): files by path, and index.html for any other GET that is not /api
 * (the app routes in the URL hash, but a deep link or reload must still get the app). Hashed assets
 * are cached for good; index.html never.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { Context } from 'hono';
import { repoRoot } from '../home.ts';

export const defaultWebDir = join(repoRoot, 'web', 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Flywheel</title>
<p>The dashboard is not built. Run <code>node scripts/build-web.js --force</code> (or <code>npm ci</code>), then reload.
The API is up: <a href="/api/runs">/api/runs</a>.</p>`;

export function serveWeb(webDir: string) {
  const root = normalize(webDir + sep);
  return (c: Context): Response => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(c.req.url).pathname);
    } catch {
      return c.text('bad request: malformed %-encoding in the path', 400); // e.g. /%E0%A4%A
    }
    const file = normalize(join(root, path));
    if (file.startsWith(root) && path !== '/' && existsSync(file) && statSync(file).isFile()) {
      const immutable = path.startsWith('/assets/');
      c.header('content-type', TYPES[extname(file)] ?? 'application/octet-stream');
      c.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      return c.body(readFileSync(file));
    }
    // A missing file with an extension is a 404, not the app: a stale asset URL must fail visibly.
    if (extname(path) !== '') return c.text('not found', 404);
    const index = join(root, 'index.html');
    // Through `c` (not a bare Response) so headers set earlier, such as the auth cookie, go out too.
    c.header('content-type', TYPES['.html']);
    c.header('cache-control', 'no-cache');
    return c.body(existsSync(index) ? readFileSync(index) : NOT_BUILT);
  };
}
