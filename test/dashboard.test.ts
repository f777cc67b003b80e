/**
 * The dashboard end to end, in real Chromium: a store in a fresh FLYWHEEL_HOME with real runs of the
 * tiny preset (real trainer), the real server on 127.0.0.1 (ephemeral port), the built web app.
 * Checks the runs table renders, a run's curves are drawn (pixels on the canvas, axis labels), and
 * a live run stopped from the UI ends `stopped`; screenshots each main view into test-output/.
 * A research session is seeded synthetically (the engine is tested elsewhere) so its view has data.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './helpers/chromium.ts';
import { repoRoot } from '../src/home.ts';
import { seedRun } from '../src/server/fixtures.ts';
import { startServer, type RunningServer } from '../src/server/listen.ts';
import type { Store } from '../src/store/base.ts';
import { openStore } from '../src/store/open.ts';

const OUT = join(repoRoot, 'test-output', 'dashboard');
const home = mkdtempSync(join(tmpdir(), 'flywheel-dash-'));
const children: ChildProcess[] = [];

/** `flywheel run ...` as its own process (the orchestrator that owns the run), like a user would. */
function flywheelRun(args: string[]): {
  child: ChildProcess;
  runId: Promise<string>;
  done: Promise<Record<string, unknown>>;
} {
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'bin', 'flywheel.js'), 'run', '--preset', 'tiny', '--json', ...args],
    {
      env: { ...process.env, FLYWHEEL_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let out = '';
  let err = '';
  let resolveId!: (id: string) => void;
  const runId = new Promise<string>((res) => (resolveId = res));
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => {
    err += d;
    const m = /run (r-\S+) started/.exec(err);
    if (m) resolveId(m[1]);
  });
  const done = new Promise<Record<string, unknown>>((res, rej) =>
    child.on('exit', (code) => {
      try {
        res(JSON.parse(out));
      } catch {
        rej(new Error(`flywheel run exited ${code} without JSON; stderr: ${err.slice(-500)}`));
      }
    }),
  );
  return { child, runId, done };
}

/** Pixels of a chart's canvas: how many are close to `rgb`, and how many dark ones (text) lie in the bottom strip. */
async function canvasStats(page: Page, chart: string, rgb: [number, number, number]) {
  return page.evaluate(
    ({ chart, rgb }) => {
      const box = document.querySelector(`[data-chart="${chart}"]`) as HTMLElement;
      const canvas = box.querySelector('canvas') as HTMLCanvasElement;
      const ctx = canvas.getContext('2d')!;
      const { width, height } = canvas;
      const data = ctx.getImageData(0, 0, width, height).data;
      let series = 0;
      let textBottom = 0;
      let textLeft = 0;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const i = (y * width + x) * 4;
          const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
          if (a > 100 && Math.abs(r - rgb[0]) < 40 && Math.abs(g - rgb[1]) < 40 && Math.abs(b - rgb[2]) < 40)
            series++;
          if (a > 100 && r < 110 && g < 110 && b < 110) {
            if (y > height - 40) textBottom++;
            if (x < 50) textLeft++;
          }
        }
      }
      return {
        series,
        textBottom,
        textLeft,
        xLabel: box.dataset.xLabel,
        yLabel: box.dataset.yLabel,
        drawn: Number(box.dataset.drawn ?? 0),
      };
    },
    { chart, rgb },
  );
}

let store: Store;
let server: RunningServer;
let browser: Browser;
let page: Page;
let runA: string;
let runB: { child: ChildProcess; runId: Promise<string>; done: Promise<Record<string, unknown>> };
let live: { child: ChildProcess; runId: Promise<string>; done: Promise<Record<string, unknown>> };

before(async () => {
  mkdirSync(OUT, { recursive: true });
  const build = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build-web.js')], {
    stdio: 'inherit',
  });
  assert.equal(build.status, 0, 'the dashboard builds');
  const a = flywheelRun([]); // prepares the dataset on first use, then trains (~15-30 s)
  store = await openStore({ home });
  server = await startServer({ store, port: 0 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  const resA = await a.done;
  assert.equal(resA.status, 'completed');
  runA = String(resA.runId);
  // A second finished run, and a live one with a long budget to stop from the UI, side by side.
  runB = flywheelRun(['--seed', '1']);
  live = flywheelRun(['--budget', '60s', '--seed', '2']);
  // A synthetic research session, so the session view has rungs, a journal and findings to show.
  const s = await store.createSession({
    id: 's-dash',
    researcher: 'offline',
    executor: 'local',
    parallel: 2,
    spec: { budget: { flops: 5e12 } },
  });
  const ids = [];
  for (let i = 0; i < 6; i++)
    ids.push(
      await seedRun(store, 900 + i * 4, {
        sessionId: s.id,
        points: 60,
        status: i === 2 ? 'stopped' : 'completed',
        tags: { rung: i < 4 ? '0' : '1' },
      }),
    );
  await store.appendJournal([
    { sessionId: s.id, kind: 'baseline', title: 'baseline: 3 seeds', runIds: ids.slice(0, 3) },
    {
      sessionId: s.id,
      kind: 'proposal',
      title: 'Deeper model',
      body: 'depth 3 should lower bpb at equal tokens',
      runIds: [ids[3]],
    },
    {
      sessionId: s.id,
      kind: 'kill',
      title: `monitor stopped ${ids[2]}`,
      runIds: [ids[2]],
      data: { rule: 'behind-baseline' },
    },
    { sessionId: s.id, kind: 'conclusion', title: 'Deeper model: inconclusive', runIds: [ids[3], ids[4]] },
  ]);
  await store.addFinding({
    id: 'f-dash',
    sessionId: s.id,
    title: 'Depth helps at this budget',
    statement: 'depth 3 beats 2 by 0.02 bpb',
    effect: -0.02,
    ci95: [-0.03, -0.01],
    n: 3,
    confirmed: true,
    runIds: ids.slice(3),
  });
});

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  await browser?.close();
  await server?.close();
  await store?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('dashboard in Chromium', () => {
  it('shows the runs table with the stored runs', async () => {
    await page.goto(`${server.url}/#/runs`);
    await page.waitForSelector(`.rt-row[data-run="${runA}"]`, { timeout: 15_000 });
    const idLive = await live.runId;
    await page.waitForSelector(`.rt-row[data-run="${idLive}"]`, { timeout: 15_000 }); // arrived live (SSE) or on load
    const rows = await page.locator('.rt-row').count();
    assert.ok(rows >= 3, `${rows} rows`);
    assert.match(await page.locator('[data-testid="run-count"]').innerText(), /of \d+ runs/);
    await page.screenshot({ path: join(OUT, 'runs.png') });
  });

  it("draws a finished run's curves with axis labels", async () => {
    await page.goto(`${server.url}/#/runs/${runA}`);
    await page.waitForSelector('[data-chart="loss"][data-drawn]');
    await page.waitForFunction(
      () => Number(document.querySelector('[data-chart="loss"]')?.getAttribute('data-points')) > 5,
    );
    await page.waitForTimeout(200); // the draw after setData
    const loss = await canvasStats(page, 'loss', [0x4e, 0x79, 0xa7]);
    assert.ok(loss.series > 100, `train loss curve pixels: ${loss.series}`);
    assert.ok(
      loss.textBottom > 50 && loss.textLeft > 50,
      `tick and axis label text drawn (${loss.textBottom}, ${loss.textLeft})`,
    );
    assert.equal(loss.xLabel, 'step');
    assert.match(loss.yLabel ?? '', /loss/);
    const bpb = await canvasStats(page, 'val bpb by domain', [0x11, 0x11, 0x11]);
    assert.ok(bpb.drawn > 0 && bpb.series > 20, `val bpb drawn (${bpb.series})`);
    for (const title of ['learning rate', 'gradient norm'])
      assert.equal(await page.locator(`[data-chart="${title}"] canvas`).count(), 1);
    await page.screenshot({ path: join(OUT, 'run.png'), fullPage: true });
  });

  it('stops a live run from the UI and shows it stopped', async () => {
    const id = await live.runId;
    await page.goto(`${server.url}/#/runs/${id}`);
    await page.waitForSelector(`section.run-page[data-status="running"]`, { timeout: 20_000 });
    // Wait for live points to arrive over SSE, so the curve is drawn while running.
    await page.waitForFunction(
      () => Number(document.querySelector('[data-chart="loss"]')?.getAttribute('data-points')) >= 2,
      undefined,
      { timeout: 30_000 },
    );
    await page.screenshot({ path: join(OUT, 'run-live.png') });
    await page.click('[data-testid="stop-run"]');
    await page.waitForSelector(`section.run-page[data-status="stopped"]`, { timeout: 30_000 });
    const res = await live.done;
    assert.equal(res.status, 'stopped');
    assert.match(await page.locator('[data-testid="stop-info"]').innerText(), /stopped/i);
    const rec = await store.getRun(id);
    assert.equal(rec?.status, 'stopped');
    const stops = await store.listEvents(id, { kinds: ['stop'] });
    const by = (e: { payload: unknown }) => (e.payload as { by?: string }).by;
    assert.equal(stops.filter((e) => by(e) === 'dashboard').length, 1, 'the request is on record');
    assert.ok(stops.length <= 2, 'at most the request and the orchestrator acting on it');
    await page.screenshot({ path: join(OUT, 'run-stopped.png'), fullPage: true });
  });

  it('overlays runs in the compare view and plots configs in parallel coordinates', async () => {
    const b = await runB.done;
    assert.equal(b.status, 'completed');
    await page.goto(`${server.url}/#/compare?ids=${runA},${b.runId}&x=tokens`);
    await page.waitForSelector('[data-chart="compare"][data-drawn]');
    const stats = await canvasStats(page, 'compare', [0x4e, 0x79, 0xa7]); // first group colour: both share a configHash
    assert.ok(stats.series > 100, `seed-group mean line drawn (${stats.series})`);
    assert.equal(stats.xLabel, 'tokens');
    await page.screenshot({ path: join(OUT, 'compare.png') });
    await page.goto(`${server.url}/#/parallel`);
    await page.waitForSelector('.pc-box canvas[data-drawn]');
    await page.screenshot({ path: join(OUT, 'parallel.png') });
  });

  it('shows a research session: burn-down, rungs, best so far, journal with evidence links, findings', async () => {
    await page.goto(`${server.url}/#/sessions`);
    await page.waitForSelector('tr[data-session="s-dash"]');
    await page.screenshot({ path: join(OUT, 'sessions.png') });
    await page.goto(`${server.url}/#/sessions/s-dash`);
    await page.waitForSelector('[data-chart="budget left"][data-drawn]');
    assert.equal(await page.locator('ol.journal li').count(), 4);
    assert.ok((await page.locator('li[data-kind="kill"] .evidence-links a').count()) >= 1);
    assert.ok((await page.locator('.rung').count()) >= 1);
    assert.match(await page.locator('ul.findings').innerText(), /Depth helps/);
    await page.screenshot({ path: join(OUT, 'session.png'), fullPage: true });
  });
});
