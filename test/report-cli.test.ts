/**
 * `flywheel report` end to end: a real research session on the synthetic trainer (a planted win, a
 * change planted far worse that the monitor kills, two noise knobs) in a temp FLYWHEEL_HOME, then the
 * CLI as its own process, then report.html in real Chromium: at least three non-empty charts drawn, no
 * console error, no request leaving the page.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, describe, it } from 'node:test';
import type { Store } from '../src/store/base.ts';
import { CHROMIUM, launchChromium } from './helpers/chromium.ts';
import {
  configProposal,
  makeSession,
  ScriptedResearcher,
  synthConfig,
  synthStore,
} from './helpers/research-fixtures.ts';
import { tempDir } from './helpers/temp-dir.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'flywheel.js');

function flywheel(args: string[], home: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, FLYWHEEL_HOME: home },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Rendered charts: for each figure, its SVG's box and how many of its marks have a non-empty box. */
function drawnCharts() {
  return [...document.querySelectorAll('figure[data-plot]')].map((fig) => {
    const svg = fig.querySelector('svg') as SVGSVGElement;
    const box = svg.getBoundingClientRect();
    const marks = [...svg.querySelectorAll('.marks path, .marks rect, .marks circle, .marks polygon')].filter(
      (el) => {
        const b = (el as SVGGraphicsElement).getBBox();
        return b.width > 0 || b.height > 0;
      },
    );
    return {
      id: (fig as HTMLElement).dataset.plot,
      width: box.width,
      height: box.height,
      marks: marks.length,
      ticks: svg.querySelectorAll('text').length,
    };
  });
}

describe('flywheel report', () => {
  let home: string;
  let store: Store;
  let sessionId: string;
  const out = () => join(home, 'out');

  // steps slow enough for the monitor's stop to land mid-run
  const env = { stepSeconds: 0.05, effects: { 'optim.lr<': [0.002, -0.05], 'optim.beta2=': [0.97, 0.5] } };
  synthStore('fw-report-', env, (s, h) => {
    store = s;
    home = h;
  });
  before(async () => {
    const researcher = new ScriptedResearcher([
      configProposal('lower LR', { 'optim.lr': 0.001 }, -0.02),
      configProposal('beta2 0.97', { 'optim.beta2': 0.97 }),
      configProposal('eps 1e-9', { 'optim.eps': 1e-9 }),
      configProposal('wd 0.05', { 'optim.weightDecay': 0.05 }),
    ]);
    const { session, executor } = await makeSession({
      store,
      researcher,
      base: synthConfig(),
      spec: { rungTokens: [16384, 49152] },
    });
    await session.run();
    await executor.close();
    sessionId = session.id;
  });

  it('writes report.html, report.md and the SVG charts the Markdown links, and prints their paths', () => {
    const r = flywheel(['report', sessionId, '--out', out(), '--json'], home);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as {
      html: string;
      markdown: string;
      svgs: string[];
      plots: { id: string; file: string }[];
      omitted: { id: string; reason: string }[];
    };
    assert.equal(j.html, join(out(), 'report.html'));
    for (const p of [j.html, j.markdown, ...j.svgs]) assert.ok(existsSync(p), p);
    const ids = j.plots.map((p) => p.id);
    for (const id of ['best-vs-flops', 'baseline-band', 'kill-1', 'importance'])
      assert.ok(ids.includes(id), ids.join());
    const md = readFileSync(j.markdown, 'utf8');
    for (const p of j.plots) assert.ok(md.includes(`](${p.file})`), `report.md links ${p.file}`);
    assert.match(md, /lower LR/);
    assert.match(md, /not run in this session/, 'absent parts are said to be absent');
    const html = readFileSync(j.html, 'utf8');
    assert.doesNotMatch(html, /<(script|img|iframe|object|embed|link|a)[\s>]/i);
    assert.doesNotMatch(html, /<[a-z][^>]*\s(on\w+|src|href|xlink:href)\s*=/i);
    assert.match(html, /Content-Security-Policy/);
    for (const s of j.svgs)
      assert.match(
        readFileSync(s, 'utf8'),
        /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>.*<\/svg>$/s,
      );
  });

  it('writes to <FLYWHEEL_HOME>/reports/<session>/ by default and prints the paths', () => {
    const r = flywheel(['report', sessionId], home);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], join(home, 'reports', sessionId, 'report.html'));
    assert.ok(lines.every((l) => existsSync(l)));
  });

  it('refuses an unknown session with one line and exit 2', () => {
    const r = flywheel(['report', 'no-such-session', '--out', tempDir('fw-report-none-')], home);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^flywheel: .*no session with id "no-such-session"/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });

  it(
    'renders in Chromium: at least three non-empty charts, no console error, no request',
    { skip: !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}` },
    async () => {
      const file = join(out(), 'report.html');
      if (!existsSync(file)) assert.equal(flywheel(['report', sessionId, '--out', out()], home).status, 0);
      const url = pathToFileURL(file).href;
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        const requests: string[] = [];
        page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
        page.on('pageerror', (e) => errors.push(e.message));
        page.on('request', (q) => q.url() !== url && requests.push(q.url()));
        await page.goto(url, { waitUntil: 'load' });
        const charts = await page.evaluate(drawnCharts);
        const drawn = charts.filter((c) => c.width > 100 && c.height > 100 && c.marks > 0 && c.ticks > 4);
        assert.ok(drawn.length >= 3, JSON.stringify(charts));
        assert.deepEqual(errors, []);
        assert.deepEqual(requests, []);
      } finally {
        await browser.close();
      }
    },
  );
});
