/**
 * `flywheel analyze scaling|multiplier` end to end: a real SQLite store filled with run records shaped like
 * the trainer's (tiny configs at 3 depths x 2 token budgets, 2 seeds, FLOPs from the FLOP accounting,
 * losses from a known law plus seed noise), then the real CLI over it. Real trainer runs are too slow for
 * a test here; the README's "Analysis" section shows the same command over real tiny runs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveConfig } from '../src/config/resolve.ts';
import { openStore } from '../src/store/open.ts';
import { addAnalysisRun, addDepthSweep } from './helpers/scaling-store.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'flywheel.js');
const home = mkdtempSync(join(tmpdir(), 'fw-analyze-'));
const env = { ...process.env, FLYWHEEL_HOME: home };
const cli = (args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 60_000 });
const SESSION_BASE = 'optim.weightDecay=0.05'; // the session's family differs from the depth sweep's

describe('flywheel analyze', () => {
  let candidate = '';
  before(async () => {
    const store = await openStore({ home });
    await addDepthSweep(store, 2);
    // one run stopped early by the monitor: it must not enter any fit
    const s = await store.createRun({
      id: 'stopped',
      config: resolveConfig({ preset: 'tiny' }),
      configHash: 'x',
      seed: 0,
      runDir: home,
      status: 'running',
    });
    await store.finishRun(s.id, 'stopped', 'monitor: spike', {
      valBpb: 9,
      params: 1e5,
      tokens: 1e4,
      flops: 1e10,
    });
    // a session: baseline at 3 budgets, a candidate (rope) at the top budget that is truly better
    await store.createSession({ id: 's1', researcher: 'offline', executor: 'local', parallel: 1, spec: {} });
    for (const tokens of [40_000, 80_000, 160_000, 320_000])
      for (const seed of [0, 1, 2])
        await addAnalysisRun(store, {
          sets: [SESSION_BASE],
          tokens,
          seed,
          sessionId: 's1',
          proposal: 'baseline',
        });
    for (const seed of [0, 1, 2])
      candidate = await addAnalysisRun(store, {
        sets: [SESSION_BASE, 'model.position=rope'],
        tokens: 160_000,
        seed,
        sessionId: 's1',
        proposal: 'p1',
        shift: 0.03,
      });
    await store.close();
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('fits the scaling law over 3 depths x 2 budgets and prints E, A, alpha, B, beta each with a ci95', () => {
    const r = cli(['analyze', 'scaling', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    for (const k of ['E', 'A', 'alpha', 'B', 'beta']) {
      assert.ok(Number.isFinite(out[k].value), k);
      assert.equal(out[k].ci95.length, 2, k);
    }
    assert.equal(out.n, 12);
    assert.equal(out.sizes.length, 3);
    assert.equal(out.dataAmounts.length, 2);
    assert.ok(out.warnings.some((w: string) => /only 2 token budgets/.test(w)));
    assert.ok(!out.runs.some((x: { runId: string }) => x.runId === 'stopped'));
    assert.ok(out.optimal.length === 2 && out.optimal[0].params.value > 0);
    assert.ok(out.frontier.frontier.length >= 2);
  });

  it('prints a readable fit with the runs it used and its warnings', () => {
    const r = cli(['analyze', 'scaling', '--resamples', '50']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Scaling law over 12 fully-decayed runs/);
    assert.match(r.stdout, /^ {2}alpha /m);
    assert.match(r.stdout, /runs used: r0 /);
    assert.match(r.stdout, /^warning: under-determined: only 2 token budgets/m);
  });

  it("reports a candidate's compute multiplier against its session baseline with a CI", () => {
    const r = cli(['analyze', 'multiplier', '--candidate', 'p1', '--session', 's1', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.ok(out.value > 1, `a better candidate is worth more than 1x: ${out.value}`);
    assert.ok(out.ci95[0] <= out.value && out.value <= out.ci95[1]);
    assert.match(out.text, /^worth \d+\.\d+× compute \[/);
    assert.equal(out.candidate.n, 3);
    assert.equal(out.baseline.budgets.length, 4);
    const byRun = JSON.parse(cli(['analyze', 'multiplier', '--candidate', candidate, '--json']).stdout);
    assert.equal(byRun.value, out.value, 'a run id stands for its seeds');
    const text = cli(['analyze', 'multiplier', '--candidate', 'p1', '--session', 's1']);
    assert.match(text.stdout, /p1 vs baseline: worth/);
  });

  it('lists the knobs that explain val bpb across runs of both sessions, each with importance, n and a CI', () => {
    const r = cli(['analyze', 'importance', '--json', '--resamples', '50']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.n, 27, 'the run the monitor stopped is not comparable');
    const keys = out.knobs.map((k: { key: string }) => k.key);
    assert.deepEqual([...keys].sort(), ['model.depth', 'model.position']);
    for (const k of out.knobs) assert.ok(k.importance >= 0 && k.n > 0 && k.ci95.length === 2);
    assert.equal(
      out.knobs.find((k: { key: string }) => k.key === 'model.position').n,
      6,
      'the 160k-token group',
    );
    const text = cli(['analyze', 'importance', '--resamples', '20']);
    assert.match(text.stdout, /^ {2}model\.depth +\d+\.\d%/m);
  });

  it('refuses with one line naming what is missing when the runs cannot support the fit', () => {
    const r = cli(['analyze', 'scaling', '--session', 's1', '--json']);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /≥2 model sizes \(have 1\)/);
    const m = cli(['analyze', 'multiplier', '--candidate', 'r0', '--json']);
    assert.equal(m.status, 2);
    assert.match(m.stderr, /not from a research session: name a --baseline/);
    const none = cli(['analyze', 'multiplier', '--candidate', 'nope']);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /no run or proposal "nope"/);
  });
});
