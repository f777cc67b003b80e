import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../store/base.ts';
import { createApp } from './app.ts';
import { tmpStore } from './fixtures.ts';
import { isLoopback } from './listen.ts';

let store: Store;
let dir: string;
before(async () => ({ store, dir } = await tmpStore('flywheel-auth-')));
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('with a token', () => {
  const token = 'sekret-123';
  const app = () => createApp({ store, token });

  it('answers 401 to API requests without it, and 200 with the bearer header', async () => {
    const res = await app().request('/api/runs', { headers: { host: 'lab.example:8765' } });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /Bearer/);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'unauthorized');
    assert.equal(
      (await app().request('/api/runs', { headers: { authorization: 'Bearer wrong' } })).status,
      401,
    );
    assert.equal(
      (await app().request('/api/events', { headers: { authorization: 'Bearer wrong' } })).status,
      401,
    );
    assert.equal(
      (await app().request('/api/runs', { headers: { authorization: `Bearer ${token}` } })).status,
      200,
    );
  });

  it('accepts ?token= once and sets an HttpOnly cookie the page then uses', async () => {
    const first = await app().request(`/?token=${token}`);
    assert.equal(first.status, 200);
    const cookie = first.headers.get('set-cookie') ?? '';
    assert.match(cookie, /flywheel_token=sekret-123/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const withCookie = await app().request('/api/runs', { headers: { cookie: cookie.split(';')[0] } });
    assert.equal(withCookie.status, 200);
    assert.equal((await app().request(`/api/runs?token=${token}`)).status, 200);
    assert.equal((await app().request('/?token=wrong')).headers.get('set-cookie'), null);
  });
});

describe('without a token (loopback only)', () => {
  const app = () => createApp({ store });

  it('serves loopback names and refuses others (DNS rebinding)', async () => {
    assert.equal((await app().request('/api/runs', { headers: { host: '127.0.0.1:8765' } })).status, 200);
    assert.equal((await app().request('/api/runs', { headers: { host: 'localhost:8765' } })).status, 200);
    assert.equal((await app().request('/api/runs', { headers: { host: '[::1]:8765' } })).status, 200);
    assert.equal((await app().request('/api/runs', { headers: { host: 'attacker.example' } })).status, 401);
  });

  it('refuses a cross-origin POST (another site cannot stop runs through the browser)', async () => {
    const res = await app().request('/api/runs/x/stop', {
      method: 'POST',
      headers: { host: 'localhost:8765', origin: 'http://evil.example' },
    });
    assert.equal(res.status, 401);
    const same = await app().request('/api/runs/x/stop', {
      method: 'POST',
      headers: { host: 'localhost:8765', origin: 'http://localhost:8765' },
    });
    assert.equal(same.status, 404, 'same origin passes the guard (and the run does not exist)');
  });

  it('knows which addresses are loopback', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) assert.ok(isLoopback(h), h);
    for (const h of ['0.0.0.0', '::', '192.168.1.2', 'example.com']) assert.ok(!isLoopback(h), h);
  });
});
