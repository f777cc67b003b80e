/**
 * The session view's "wins at scale" in real Chromium: the web app is built into a temporary folder
 * (never into web/dist) and served over a real socket with a store holding a session whose summary has
 * two confirmed wins with compute multipliers and a two-size ladder; the page must list the wins with
 * multiplier ± CI and draw the ladder (the session's size and each larger size, its CI, its verdict).
 * A ladder run of that session stays out of the rungs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { repoRoot } from '../src/home.ts';
import { seedRun } from '../src/server/fixtures.ts';
import { startServer, type RunningServer } from '../src/server/listen.ts';
import type { Store } from '../src/store/base.ts';
import { openStore } from '../src/store/open.ts';
import { CHROMIUM, launchChromium } from './helpers/chromium.ts';

const dir = mkdtempSync(join(tmpdir(), 'fw-wins-view-'));
const SHOTS = join(repoRoot, 'test-output', 'dashboard');
const skip = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM}`;
let store: Store;
let server: RunningServer;
let browser: Browser;

const summary = {
  status: 'completed',
  baseline: { valBpb: 2.4, std: 0.01, n: 3 },
  best: {
    proposalId: 'p3',
    title: 'Untied zero-init head',
    valBpb: 2.34,
    delta: -0.06,
    ci95: [-0.08, -0.04],
    computeMultiplier: { value: 1.43, ci95: [1.36, 1.49], text: 'worth 1.43× compute [1.36, 1.49]' },
    ladderBase: { params: 1_048_576, delta: -0.06 },
    ladder: [
      {
        params: 1_863_680,
        tokens: 532_480,
        delta: -0.041,
        ci95: [-0.06, -0.022],
        computeMultiplier: { value: 1.3, ci95: [1.2, 1.4], text: 'worth 1.30× compute [1.20, 1.40]' },
        verdict: 'holds',
      },
      {
        params: 3_047_424,
        tokens: 872_448,
        delta: 0.004,
        ci95: [-0.012, 0.02],
        computeMultiplier: null,
        verdict: 'flips',
      },
    ],
  },
  wins: [
    {
      proposalId: 'p3',
      title: 'Untied zero-init head',
      delta: -0.06,
      ci95: [-0.08, -0.04],
      computeMultiplier: { value: 1.43, ci95: [1.36, 1.49], text: 'worth 1.43× compute [1.36, 1.49]' },
    },
    { proposalId: 'p5', title: 'RoPE', delta: -0.02, ci95: [-0.035, -0.005] },
  ],
  significant: true,
  runs: { completed: 2, stopped: 0, failed: 0 },
};

describe('dashboard: wins at scale and the size ladder', { skip }, () => {
  before(async () => {
    const vite = join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
    const web = join(dir, 'web');
    const build = spawnSync(
      process.execPath,
      [vite, 'build', '--config', join(repoRoot, 'web', 'vite.config.ts'), '--outDir', web, '--emptyOutDir'],
      { encoding: 'utf8' },
    );
    assert.equal(build.status, 0, build.stderr);
    mkdirSync(SHOTS, { recursive: true });
    store = await openStore({ home: dir });
    const s = await store.createSession({
      id: 's-ladder',
      researcher: 'offline',
      executor: 'local',
      parallel: 2,
      spec: { rungTokens: [1000, 3000] },
    });
    await store.updateSession(s.id, { summary, status: 'completed' });
    const tags: Array<Record<string, string>> = [
      { rung: '1', purpose: 'baseline', proposal: 'baseline' },
      { rung: '1', purpose: 'ladder', proposal: 'p3', ladderStep: '1' },
    ];
    for (const [i, t] of tags.entries())
      await seedRun(store, 700 + i, { sessionId: s.id, points: 20, status: 'completed', tags: t });
    server = await startServer({ store, port: 0, webDir: web });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the wins with their multipliers and draws the ladder with CIs and verdicts', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/#/sessions/s-ladder`);
    await page.waitForSelector('[data-testid="wins-at-scale"]', { timeout: 60_000 });
    const rows = await page.locator('table.wins tbody tr').allTextContents();
    assert.equal(rows.length, 2);
    assert.match(rows[0], /Untied zero-init head.*-0\.0600 \[-0\.0800, -0\.0400\].*1\.43× \[1\.36, 1\.49\]/);
    assert.match(rows[1], /RoPE.*–$/, 'no multiplier measured: a dash, not a number');
    const points = await page
      .locator('[data-chart="size ladder"] g.ladder-point')
      .evaluateAll((gs) =>
        gs.map((g) => [g.getAttribute('data-verdict'), g.querySelectorAll('line.ci').length]),
      );
    assert.deepEqual(points, [
      ['session', 1],
      ['holds', 1],
      ['flips', 1],
    ]);
    const cys = await page
      .locator('[data-chart="size ladder"] circle')
      .evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('cy'))));
    assert.ok(cys[0] > cys[1] && cys[1] > cys[2], `Δ goes up (worse) with size: ${cys.join(', ')}`);
    assert.match(await page.locator('figure.ladder-plot figcaption').innerText(), /holds at .*flips at/);
    const rungText = await page.locator('.rungs').innerText();
    assert.ok(!rungText.includes('p3'), 'the ladder run is not in the rungs');
    await page
      .locator('[data-testid="wins-at-scale"]')
      .screenshot({ path: join(SHOTS, 'wins-at-scale.png') });
    assert.deepEqual(errors, []);
  });
});
