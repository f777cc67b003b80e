/**
 * The dashboard's scaling view in real Chromium: the web app is built into a temporary folder (never
 * into web/dist), served over a real socket with a store holding a 3-depth x 2-budget sweep, and
 * `#/scaling` must draw its loss-vs-compute chart and list the five fitted parameters with CIs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { repoRoot } from '../src/home.ts';
import { startServer, type RunningServer } from '../src/server/listen.ts';
import type { Store } from '../src/store/base.ts';
import { openStore } from '../src/store/open.ts';
import { CHROMIUM, launchChromium } from './helpers/chromium.ts';
import { addDepthSweep } from './helpers/scaling-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'fw-scaling-view-'));
const skip = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM}`;
let store: Store;
let server: RunningServer;
let browser: Browser;

describe('dashboard scaling view', { skip }, () => {
  before(async () => {
    const vite = join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
    const web = join(dir, 'web');
    const build = spawnSync(
      process.execPath,
      [vite, 'build', '--config', join(repoRoot, 'web', 'vite.config.ts'), '--outDir', web, '--emptyOutDir'],
      { encoding: 'utf8' },
    );
    assert.equal(build.status, 0, build.stderr);
    store = await openStore({ home: dir });
    await addDepthSweep(store, 2);
    server = await startServer({ store, port: 0, webDir: web });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('draws loss vs FLOPs per size with the fit, and lists E, A, alpha, B, beta with 95 % CIs', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/#/scaling`);
    await page.waitForSelector('[data-chart="loss vs compute"][data-drawn]', { timeout: 60_000 });
    const rows = await page.locator('section.scaling table.params tbody tr').allTextContents();
    assert.deepEqual(
      rows.map((r) => r.match(/^(E|A|alpha|B|beta)/)?.[1]),
      ['E', 'A', 'alpha', 'B', 'beta'],
    );
    assert.ok(
      rows.every((r) => /\[.+, .+\]/.test(r)),
      rows.join(' | '),
    );
    assert.match(
      await page.locator('section.scaling').innerText(),
      /12 fully-decayed runs.*3 sizes × 2 token budgets/,
    );
    assert.deepEqual(errors, []);
  });
});
