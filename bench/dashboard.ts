/**
 * `npx tsx bench/dashboard.ts`: the dashboard at scale, in headless Chromium against the real server.
 *
 * Store: 10,000 synthetic runs written through the Store (1,000 of them with 1,000 train points each).
 *  (a) runs list: navigation start -> 10k-row table painted (API fetch included). Baseline: the same page
 *      with windowing off (`?novirt=1`: every row in the DOM).
 *  (b) compare 1,000 runs x 1,000 points: navigation start -> overlay chart drawn, one line per run (seed
 *      bands off; POST /api/compare included). Baseline: no server-side downsampling (`maxPoints=0`: all 1,000 points per run).
 *  (c) live: 16 concurrent writer runs append metrics while the page listens over SSE; points received
 *      in the page vs points written (must be equal: no dropped events).
 * Each timing is the median of REPEAT fresh page loads
 * after one warm-up (the compare's warm-up is reported too: the first, cold load). Writes the "Dashboard" section of BENCHMARKS.md.
 */
import { execSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../test/helpers/chromium.ts';
import { seedRun, tmpStore } from '../src/server/fixtures.ts';
import { startServer } from '../src/server/listen.ts';
import { writeSection } from './benchmarks-md.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 10_000);
const COMPARE_RUNS = Number(process.env.BENCH_COMPARE_RUNS ?? 1_000);
const POINTS = 1_000;
const WRITERS = 16;
const APPENDS = 60; // per writer
const BATCH = 5; // points per append
const REPEAT = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const log = (m: string) => process.stderr.write(`${m}\n`);
const ms = (v: number) => `${Math.round(v)} ms`;

async function painted(page: Page): Promise<number> {
  // Two animation frames after the DOM/canvas update: the frame containing it has been presented.
  return page.evaluate(
    () =>
      new Promise<number>((res) =>
        requestAnimationFrame(() => requestAnimationFrame(() => res(performance.now()))),
      ),
  );
}

async function timeRunsList(page: Page, base: string, novirt: boolean) {
  await page.goto('about:blank');
  await page.goto(`${base}/#/runs${novirt ? '?novirt=1' : ''}`);
  await page.waitForFunction(
    () => (window as unknown as { __runsRendered?: unknown }).__runsRendered,
    undefined,
    { timeout: 120_000, polling: 'raf' },
  );
  const t = await painted(page);
  const info = await page.evaluate(() => {
    const w = window as unknown as { __runsRendered: { rows: number }; __runsFetchMs: number };
    return {
      rows: w.__runsRendered.rows,
      dom: document.querySelectorAll('.rt-row').length,
      fetchMs: w.__runsFetchMs,
    };
  });
  return { ms: t, ...info };
}

async function timeCompare(page: Page, base: string, ids: string[], maxPoints: number) {
  await page.goto('about:blank');
  await page.goto(`${base}/#/compare?ids=${ids.join(',')}&x=step&y=loss&maxPoints=${maxPoints}&bands=0`); // one line per run
  await page.waitForFunction(
    () => (window as unknown as { __compareDrawnAt?: number }).__compareDrawnAt,
    undefined,
    { timeout: 120_000, polling: 'raf' },
  );
  const t = await painted(page);
  const info = await page.evaluate(() => {
    const w = window as unknown as {
      __compareFetchMs: number;
      __compareBuildMs: number;
      __compareDrawnAt: number;
    };
    const box = document.querySelector('[data-chart="compare"]') as HTMLElement;
    return {
      fetchMs: w.__compareFetchMs,
      buildMs: w.__compareBuildMs,
      drawnAt: w.__compareDrawnAt,
      series: Number(box.dataset.series),
      points: Number(box.dataset.points),
    };
  });
  return { ms: t, ...info };
}

async function main() {
  const { store, dir } = await tmpStore('flywheel-bench-dash-');
  let t0 = Date.now();
  const compareIds: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    const id = await seedRun(store, i, {
      points: i < COMPARE_RUNS ? POINTS : 0,
      status: i % 17 === 5 ? 'stopped' : 'completed',
    });
    if (i < COMPARE_RUNS) compareIds.push(id);
    if (i % 2000 === 1999) log(`seeded ${i + 1} runs`);
  }
  const seedSeconds = (Date.now() - t0) / 1000;
  log(`store: ${RUNS} runs (${COMPARE_RUNS} x ${POINTS} points) in ${seedSeconds.toFixed(1)} s`);

  const server = await startServer({ store, port: 0 });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => log(`page error: ${e.message}`));
  try {
    // Server alone, for the breakdown.
    t0 = performance.now();
    const list = await (await fetch(`${server.url}/api/runs?fields=list&limit=50000`)).text();
    const apiListMs = performance.now() - t0;
    t0 = performance.now();
    const cmp = await (
      await fetch(`${server.url}/api/compare`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ids: compareIds, x: 'step', y: 'gradNorm', maxPoints: 400 }), // cold: not cached
      })
    ).text();
    const apiCompareMs = performance.now() - t0;
    log(
      `API: list ${ms(apiListMs)} (${(list.length / 1e6).toFixed(1)} MB), compare ${ms(apiCompareMs)} (${(cmp.length / 1e6).toFixed(1)} MB)`,
    );

    // (a) runs list
    await timeRunsList(page, server.url, false); // warm-up: code cache, server JIT
    const virt = [];
    const flat = [];
    for (let k = 0; k < REPEAT; k++) {
      virt.push(await timeRunsList(page, server.url, false));
      flat.push(await timeRunsList(page, server.url, true));
    }
    const listV = median(virt.map((r) => r.ms));
    const listF = median(flat.map((r) => r.ms));
    log(
      `runs list: windowed ${ms(listV)} (${virt[0].dom} rows in DOM), all rows ${ms(listF)} (${flat[0].dom} rows in DOM)`,
    );

    // (b) compare
    // The first load decodes every run's series (cold); later loads find them in the server's cache
    // of finished runs' columns.
    const cold = await timeCompare(page, server.url, compareIds, 400);
    const down = [];
    const full = [];
    for (let k = 0; k < REPEAT; k++) {
      down.push(await timeCompare(page, server.url, compareIds, 400));
      full.push(await timeCompare(page, server.url, compareIds, 0));
    }
    const cmpD = median(down.map((r) => r.ms));
    const cmpF = median(full.map((r) => r.ms));
    log(
      `compare: cold ${ms(cold.ms)}; warm downsampled ${ms(cmpD)} (${down[0].points} x ${down[0].series}), full ${ms(cmpF)} (${full[0].points} x ${full[0].series})`,
    );

    // (c) live: the page listens; 16 writers append concurrently.
    await page.goto('about:blank');
    await page.goto(`${server.url}/#/sessions`);
    await page.waitForFunction(() => document.querySelector('.live-live'), undefined, { timeout: 20_000 });
    const liveIds: string[] = [];
    for (let w = 0; w < WRITERS; w++)
      liveIds.push(await seedRun(store, RUNS + w, { status: 'running', points: 0 }));
    t0 = performance.now();
    let written = 0;
    await Promise.all(
      liveIds.map(async (id, w) => {
        for (let k = 0; k < APPENDS; k++) {
          const pts = Array.from({ length: BATCH }, (_, j) => ({
            step: k * BATCH + j,
            loss: 5 - k / APPENDS + w / 100,
            lr: 1e-3,
          }));
          await store.appendMetrics(id, 'train', pts);
          written += pts.length;
          await new Promise((r) => setTimeout(r, 20)); // ~50 appends/s per writer, like a fast trainer
        }
      }),
    );
    const writeSeconds = (performance.now() - t0) / 1000;
    const expected = Object.fromEntries(liveIds.map((id) => [id, APPENDS * BATCH]));
    await page
      .waitForFunction(
        (exp) => {
          const got = (window as unknown as { __flywheelLive: { metricPoints: Record<string, number> } })
            .__flywheelLive.metricPoints;
          return Object.entries(exp).every(([id, n]) => got[id] === n);
        },
        expected,
        { timeout: 30_000 },
      )
      .catch(() => undefined);
    const lagMs = performance.now() - t0 - writeSeconds * 1000;
    const live = await page.evaluate(
      () =>
        (
          window as unknown as {
            __flywheelLive: { metricPoints: Record<string, number>; reconnects: number };
          }
        ).__flywheelLive,
    );
    const received = liveIds.reduce((n, id) => n + (live.metricPoints[id] ?? 0), 0);
    log(
      `live: ${WRITERS} writers wrote ${written} points in ${writeSeconds.toFixed(1)} s; page received ${received} (${live.reconnects} reconnects), caught up ${ms(lagMs)} after the last write`,
    );

    const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
    let chromeVersion = browser.version();
    try {
      chromeVersion = execSync(`${CHROMIUM} --version`, { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim();
    } catch {
      /* keep playwright's */
    }
    const body = `
Command: \`npx tsx bench/dashboard.ts\` — ${cpus().length} × ${cpu}, Node ${process.version}, ${chromeVersion} (headless, --disable-gpu), SQLite store, ${new Date().toISOString().slice(0, 10)}. Shared, noisy machine (1-min load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores at the end): compare the ratios more than the absolute times.

Store: ${RUNS.toLocaleString('en')} synthetic runs written through the Store in ${seedSeconds.toFixed(1)} s (${COMPARE_RUNS.toLocaleString('en')} of them with ${POINTS.toLocaleString('en')} train points). Times are from navigation start to the first frame painted with the data, API request included; median of ${REPEAT} fresh page loads after one warm-up.

| view | Flywheel | baseline | baseline time | speed-up |
|---|---:|---|---:|---:|
| runs list, ${RUNS.toLocaleString('en')} rows | **${ms(listV)}** (${virt[0].dom} rows in the DOM) | no windowing (every row in the DOM) | ${ms(listF)} | ${(listF / listV).toFixed(1)}× |
| compare ${COMPARE_RUNS.toLocaleString('en')} runs × ${POINTS.toLocaleString('en')} points | **${ms(cmpD)}** (${down[0].points} points per run after min/max-aware binning) | no server-side downsampling (${full[0].points} points per run) | ${ms(cmpF)} | ${(cmpF / cmpD).toFixed(1)}× |
| same compare, first load (series not yet decoded on the server) | **${ms(cold.ms)}** | | | |

Target ≤ 1 s each: runs list ${listV <= 1000 ? 'met' : 'NOT met'}, compare ${cmpD <= 1000 ? 'met' : 'NOT met'} (first load ${cold.ms <= 1000 ? 'met' : 'NOT met'}).
Breakdown: the first \`GET /api/runs\` of all ${RUNS.toLocaleString('en')} rows after start (it builds the server's in-memory run index) ${ms(apiListMs)} (${(list.length / 1e6).toFixed(1)} MB JSON); in the page the fetch + parse took ${ms(median(virt.map((r) => r.fetchMs)))}. \`POST /api/compare\` (${COMPARE_RUNS.toLocaleString('en')} runs, maxPoints 400) alone, cold ${ms(apiCompareMs)} (${(cmp.length / 1e6).toFixed(1)} MB), most of it the store decoding every field of 1M points; later loads reuse the decoded columns of finished runs. In the page (warm): fetch ${ms(median(down.map((r) => r.fetchMs)))}, series build ${ms(median(down.map((r) => r.buildMs)))}, uPlot draw done at ${ms(median(down.map((r) => r.drawnAt)))}.

Live: ${WRITERS} concurrent writer runs appended ${written.toLocaleString('en')} points (${WRITERS * APPENDS} appends of ${BATCH}) over ${writeSeconds.toFixed(1)} s while the page listened over SSE: **received ${received.toLocaleString('en')} / ${written.toLocaleString('en')}** (${received === written ? 'no event dropped' : `${written - received} DROPPED`}), ${live.reconnects} reconnects, caught up ${ms(Math.max(0, lagMs))} after the last write (poll interval 250 ms).
`;
    writeSection('Dashboard', body);
    console.log(body.trim());
    if (received !== written) process.exitCode = 1;
  } finally {
    await browser.close();
    await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
