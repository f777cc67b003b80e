import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../store/base.ts';
import { tmpStore } from './fixtures.ts';
import { startServer } from './listen.ts';

let store: Store;
let dir: string;
before(async () => ({ store, dir } = await tmpStore('flywheel-listen-')));
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('startServer on a real socket', () => {
  it('binds 127.0.0.1 by default without a token, and closes with an SSE stream open', async () => {
    const srv = await startServer({ store, port: 0 });
    try {
      assert.equal(srv.host, '127.0.0.1');
      assert.equal(srv.token, undefined);
      const res = await fetch(`${srv.url}/api/health`);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { ok: boolean }).ok, true);
      const sse = await fetch(`${srv.url}/api/events`);
      assert.equal(sse.status, 200);
      const reader = sse.body!.getReader();
      const { value } = await reader.read();
      assert.match(new TextDecoder().decode(value), /retry: 1000|event: hello/);
    } finally {
      await srv.close();
    }
  });

  it('generates a token for a non-loopback address and answers 401 without it', async () => {
    const srv = await startServer({ store, host: '0.0.0.0', port: 0 });
    try {
      assert.equal(srv.generatedToken, true);
      assert.ok((srv.token ?? '').length >= 20);
      const url = `http://127.0.0.1:${srv.port}`;
      assert.equal((await fetch(`${url}/api/runs`)).status, 401);
      assert.equal(
        (await fetch(`${url}/api/runs`, { headers: { authorization: `Bearer ${srv.token}` } })).status,
        200,
      );
    } finally {
      await srv.close();
    }
  });

  it('keeps a given token', async () => {
    const srv = await startServer({ store, host: '0.0.0.0', port: 0, token: 'given-token' });
    try {
      assert.equal(srv.generatedToken, false);
      assert.equal((await fetch(`http://127.0.0.1:${srv.port}/api/runs?token=given-token`)).status, 200);
    } finally {
      await srv.close();
    }
  });
});
