/**
 * Who may use the API.
 * - With a token (required when bound beyond loopback): every /api request needs
 *   `Authorization: Bearer <token>`, or the `flywheel_token` cookie, or `?token=` (for a browser's first
 *   load and EventSource, which cannot set headers). A correct `?token=` sets the cookie
 *   (HttpOnly, SameSite=Strict), so the page's own requests carry it from then on.
 * - Always: a POST whose Origin is another site is refused (a page elsewhere must not stop runs
 *   through the user's browser), and without a token the Host header must be a loopback name
 *   (a DNS-rebinding page cannot reach a token-less server through a name it controls).
 */
import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { FlywheelError } from '../errors.ts';

export const COOKIE = 'flywheel_token';
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const hostName = (host: string) =>
  (host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]).toLowerCase();

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined; // 'null' (sandboxed frames, file://) or garbage: never same-origin
  }
}

/** Applies to every request (API and static): origin and host checks, and the `?token=` cookie. */
export function guard(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header('host');
    if (!token && host && !LOOPBACK_NAMES.has(hostName(host)) && !hostName(host).endsWith('.localhost')) {
      throw new FlywheelError(
        'unauthorized',
        `Host "${host}" is not a loopback name; start the server with --token to serve other names`,
      );
    }
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const origin = c.req.header('origin');
      if (origin && host && originHost(origin) !== host) {
        throw new FlywheelError('unauthorized', `cross-origin ${c.req.method} from ${origin} refused`);
      }
    }
    const q = c.req.query('token');
    if (token && q !== undefined && same(q, token)) {
      setCookie(c, COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/' });
    }
    await next();
  };
}

/** For /api/*: the token, when the server has one. */
export function requireToken(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (token) {
      const bearer = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1]?.trim();
      const given = bearer ?? getCookie(c, COOKIE) ?? c.req.query('token');
      if (!given || !same(given, token)) {
        throw new FlywheelError(
          'unauthorized',
          'this server needs a token: Authorization: Bearer <token>, or open the dashboard with ?token=<token>',
        );
      }
    }
    await next();
  };
}
