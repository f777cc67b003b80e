/**
 * Redaction of the orchestrator's secrets: which variables count as secrets, the forms a value takes in
 * JSON and URLs, nested values, and the `fetch` the LLM SDKs use (a real HTTP server on 127.0.0.1).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { redact, redactDeep, redactingFetch, secretValues } from './redact.ts';

const env = {
  ANTHROPIC_API_KEY: 'sk-ant-0123456789',
  GITHUB_TOKEN: 'ghp_abcdefghijkl',
  FLYWHEEL_DB: 'postgres://fly:pa55word-long@db:5432/flywheel',
  WEIRD_SECRET: 'quote"and\\slash',
  DEBUG_KEY: '1', // too short to be a secret
  PATH: '/usr/bin:/bin',
  HOME: '/home/u',
};

describe('redaction', () => {
  it('finds secret values by variable name and database URLs, and leaves short values and other variables alone', () => {
    const s = secretValues(env);
    for (const v of [
      'sk-ant-0123456789',
      'ghp_abcdefghijkl',
      env.FLYWHEEL_DB,
      'pa55word-long',
      env.WEIRD_SECRET,
    ])
      assert.ok(s.includes(v), v);
    assert.ok(!s.includes('1') && !s.includes('/usr/bin:/bin') && !s.includes('/home/u'));
  });

  it('replaces every secret in text, in its JSON-escaped form and inside nested values', () => {
    const text = `key=sk-ant-0123456789 url=${env.FLYWHEEL_DB} pw=pa55word-long PATH=/usr/bin:/bin`;
    assert.equal(redact(text, env), 'key=[redacted] url=[redacted] pw=[redacted] PATH=/usr/bin:/bin');
    assert.equal(redact(JSON.stringify({ s: env.WEIRD_SECRET }), env), '{"s":"[redacted]"}');
    assert.deepEqual(redactDeep({ a: ['x ghp_abcdefghijkl y', 3], b: { c: 'sk-ant-0123456789' } }, env), {
      a: ['x [redacted] y', 3],
      b: { c: '[redacted]' },
    });
  });

  it('sends LLM request bodies redacted of the process environment, headers untouched', async () => {
    let got = '';
    let auth = '';
    const server = createServer((req, res) => {
      auth = String(req.headers['x-api-key']);
      req.on('data', (d) => (got += d));
      req.on('end', () => res.end('{}'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const prev = process.env.FLYWHEEL_TEST_SECRET_KEY;
    process.env.FLYWHEEL_TEST_SECRET_KEY = 'sk-test-abcdefgh1234';
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/messages`;
      await redactingFetch(url, {
        method: 'POST',
        headers: { 'x-api-key': 'sk-test-abcdefgh1234' },
        body: JSON.stringify({ text: 'stderr: FLYWHEEL_TEST_SECRET_KEY=sk-test-abcdefgh1234' }),
      });
      assert.equal(got, '{"text":"stderr: FLYWHEEL_TEST_SECRET_KEY=[redacted]"}');
      assert.equal(auth, 'sk-test-abcdefgh1234');
    } finally {
      if (prev === undefined) delete process.env.FLYWHEEL_TEST_SECRET_KEY;
      else process.env.FLYWHEEL_TEST_SECRET_KEY = prev;
      server.close();
    }
  });
});
