/**
 * The smaller holes (SECURITY.md, "Smaller guarantees"): a huge body to /api/compare on a real socket,
 * a `--source` folder with a link to a secret outside it and a binary file, and a world-readable store.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareDataset } from '../../../src/data/prepare.ts';
import { startServer } from '../../../src/server/listen.ts';
import { openStore } from '../../../src/store/open.ts';
import type { Attack, AttackResult } from '../attack.ts';

async function inTempHome(fn: (home: string) => Promise<AttackResult>): Promise<AttackResult> {
  const home = mkdtempSync(join(tmpdir(), 'fw-keys-small-'));
  const prev = process.env.FLYWHEEL_HOME;
  process.env.FLYWHEEL_HOME = home;
  try {
    return await fn(home);
  } finally {
    if (prev === undefined) delete process.env.FLYWHEEL_HOME;
    else process.env.FLYWHEEL_HOME = prev;
    rmSync(home, { recursive: true, force: true });
  }
}

/**
 * POST a body the server should never read: `declared` bytes announced (or chunked when undefined),
 * only `sent` bytes written, the request left open. Resolves with the status, or 0 if none came.
 */
function postOpenEnded(url: string, declared: number | undefined, sent: number): Promise<number> {
  return new Promise((resolve) => {
    const u = new URL('/api/compare', url);
    const headers: Record<string, string | number> = { 'content-type': 'application/json' };
    if (declared !== undefined) headers['content-length'] = declared;
    const req = request(
      { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers },
      (res) => {
        res.resume();
        clearTimeout(timer);
        req.destroy();
        resolve(res.statusCode ?? 0);
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      resolve(0);
    }, 10_000);
    req.on('error', () => undefined);
    const chunk = Buffer.alloc(64 * 1024, 0x20); // spaces: valid JSON padding, so only the size can stop it
    for (let left = sent; left > 0; left -= chunk.length)
      req.write(left >= chunk.length ? chunk : chunk.subarray(0, left));
  });
}

export const attacks: Attack[] = [
  {
    id: 'keys-compare-huge-body',
    title: '/api/compare is sent a 2 GB body (announced, and chunked) to be buffered and parsed',
    timeoutMs: 60_000,
    run: () =>
      inTempHome(async (home) => {
        const store = await openStore({ home });
        const srv = await startServer({ store, port: 0 });
        try {
          const before = process.memoryUsage().rss;
          const announced = await postOpenEnded(srv.url, 2 ** 31, 256 * 1024);
          const chunked = await postOpenEnded(srv.url, undefined, 4 * 1024 * 1024);
          const grewMb = (process.memoryUsage().rss - before) / 2 ** 20;
          return {
            succeeded: announced !== 413 || chunked !== 413,
            detail: `announced 2 GB: HTTP ${announced || 'no answer in 10 s'}; chunked 4 MB: HTTP ${chunked || 'no answer in 10 s'}; server RSS +${grewMb.toFixed(0)} MB`,
          };
        } finally {
          await srv.close();
          await store.close();
        }
      }),
  },
  {
    id: 'keys-prepare-source-link-and-binary',
    title: 'prepare --source follows a link to a secret outside the folder and tokenizes a binary file',
    timeoutMs: 120_000,
    run: () =>
      inTempHome(async (home) => {
        const outside = join(home, 'outside');
        mkdirSync(outside);
        const secret = 'ANTHROPIC_API_KEY=sk-ant-should-never-be-trained-on\n'.repeat(50);
        writeFileSync(join(outside, 'secrets.env'), secret);
        const src = join(home, 'corpus');
        mkdirSync(join(src, 'notes'), { recursive: true });
        const text = 'The quick brown fox jumps over the lazy dog. '.repeat(200);
        for (const f of ['a.txt', 'a2.txt', 'a3.txt']) writeFileSync(join(src, 'notes', f), text);
        symlinkSync(join(outside, 'secrets.env'), join(src, 'notes', 'b.txt'));
        writeFileSync(
          join(src, 'notes', 'c.bin'),
          Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(4096)]),
        );
        const said: string[] = [];
        const { meta } = await prepareDataset({
          source: src,
          vocabSize: 300,
          onProgress: (m) => said.push(m),
        });
        const bytes = meta.domains.reduce((s, d) => s + d.trainBytes + d.valBytes, 0);
        const listed =
          said.some((m) => /link\(s\) not followed: notes\/b\.txt/.test(m)) &&
          said.some((m) => /binary file\(s\): notes\/c\.bin/.test(m));
        return {
          succeeded: bytes > 3 * Buffer.byteLength(text) || !listed,
          detail: `${bytes} bytes prepared (the folder's own text: ${3 * Buffer.byteLength(text)}); said: ${said.filter((m) => /skipping/.test(m)).join(' | ')}`,
        };
      }),
  },
  {
    id: 'keys-db-world-readable',
    title: 'flywheel.db (and its -wal/-shm) and FLYWHEEL_HOME are created readable by other users',
    timeoutMs: 30_000,
    run: () =>
      inTempHome(async (parent) => {
        const home = join(parent, 'fresh-home');
        process.env.FLYWHEEL_HOME = home;
        const store = await openStore();
        try {
          await store.listRuns(); // WAL and shared-memory files exist once the database is used
          const modes = ['', '-wal', '-shm'].map((s) => {
            try {
              return [`flywheel.db${s}`, statSync(join(home, `flywheel.db${s}`)).mode & 0o777] as const;
            } catch {
              return [`flywheel.db${s}`, -1] as const;
            }
          });
          const homeMode = statSync(home).mode & 0o777;
          const open = modes.filter(([, m]) => m === -1 || (m & 0o077) !== 0);
          return {
            succeeded: open.length > 0 || (homeMode & 0o077) !== 0,
            detail: `${modes.map(([f, m]) => `${f} ${m === -1 ? 'missing' : m.toString(8)}`).join(', ')}; home ${homeMode.toString(8)}`,
          };
        } finally {
          await store.close();
        }
      }),
  },
];
