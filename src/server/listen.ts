/**
 * Putting the app on a socket. Loopback by default; any other address needs a token (given, or
 * generated here and returned so the caller can print it): the store holds code diffs and the stop
 * buttons act on processes, so nothing beyond this machine gets in without it.
 */
import { serve, type ServerType } from '@hono/node-server';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Store } from '../store/base.ts';
import { createApp } from './app.ts';

export interface ListenOptions {
  store: Store;
  host?: string; // default 127.0.0.1
  port?: number; // default 8765; 0 = any free port
  token?: string;
  webDir?: string;
}

export interface RunningServer {
  url: string; // http://host:port (no token)
  host: string;
  port: number;
  token?: string;
  generatedToken: boolean;
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

export async function startServer(opts: ListenOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  let token = opts.token || undefined;
  let generatedToken = false;
  if (!token && !isLoopback(host)) {
    token = randomBytes(18).toString('base64url');
    generatedToken = true;
  }
  const app = createApp({ store: opts.store, token, webDir: opts.webDir, warm: true });
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: opts.port ?? 8765 }, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    host,
    port,
    token,
    generatedToken,
    close: () =>
      new Promise<void>((resolve) => {
        // SSE streams never end on their own: drop open connections so close() returns.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
