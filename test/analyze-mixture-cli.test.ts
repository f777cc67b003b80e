/**
 * `flywheel analyze mixture` end to end: a real SQLite store holding runs shaped like a session's mixture
 * study (the tiny preset at one budget, random domain weights, per-domain val bpb from a known function of
 * the weights plus seed noise, written through createRun + finishRun), then the real CLI over it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dirichlet } from '../src/analysis/mixture.ts';
import { configHash, resolveConfig } from '../src/config/resolve.ts';
import { mulberry32, randNormal } from '../src/stats/rng.ts';
import { openStore } from '../src/store/open.ts';
import type { Store } from '../src/store/base.ts';
import { tempDir } from './helpers/temp-dir.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'flywheel.js');
const home = tempDir('fw-analyze-mixture-');
const env = { ...process.env, FLYWHEEL_HOME: home };
const cli = (args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 60_000 });
const DOMAINS = ['code', 'prose'];

async function addRun(store: Store, id: string, w: number[], seed: number, sessionId?: string) {
  const config = resolveConfig({
    preset: 'tiny',
    sets: DOMAINS.map((d, i) => `data.mixture.${d}=${w[i].toFixed(4)}`),
    budget: '40000tok',
    seed,
  });
  await store.createRun({
    id,
    config,
    configHash: configHash(config),
    seed,
    runDir: `/nonexistent/${id}`,
    status: 'running',
    sessionId,
  });
  // code gains from its weight, prose from its own; the best mixture is ~ code 0.6 (w + 0.01 ∝ 0.3 : 0.2)
  const rng = mulberry32(seed * 1000 + Number(id.slice(1)));
  const by = { code: 1.5 - 0.3 * Math.log(w[0] + 0.01), prose: 2 - 0.2 * Math.log(w[1] + 0.01) };
  by.code += 0.002 * randNormal(rng);
  by.prose += 0.002 * randNormal(rng);
  await store.finishRun(id, 'completed', 'budget reached', {
    valBpb: (by.code + by.prose) / 2,
    valBpbByDomain: by,
    valBpbByDomainSe: { code: 0.01, prose: 0.01 },
  });
}

describe('flywheel analyze mixture', () => {
  before(async () => {
    const store = await openStore({ home });
    await store.createSession({ id: 's1', researcher: 'offline', executor: 'local', parallel: 1, spec: {} });
    const rng = mulberry32(4);
    for (let m = 0; m < 10; m++) {
      const w = dirichlet(rng, [2, 2]).map((x) => Math.min(0.95, Math.max(0.05, x)));
      const s = w[0] + w[1];
      for (const seed of [0, 1]) await addRun(store, `m${m * 2 + seed}`, [w[0] / s, w[1] / s], seed, 's1');
    }
    await store.createSession({ id: 's2', researcher: 'offline', executor: 'local', parallel: 1, spec: {} });
    await addRun(store, 'x1', [0.5, 0.5], 0, 's2');
    await store.close();
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('--json prints the predicted mixture with its predicted val bpb and each target’s held-out error', () => {
    const r = cli(['analyze', 'mixture', '--json', '--candidates', '2000']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.runs, 21);
    assert.deepEqual(Object.keys(out.predicted.weights).sort(), DOMAINS);
    assert.ok(Math.abs(out.predicted.weights.code - 0.6) < 0.1, `code ${out.predicted.weights.code}`);
    assert.ok(Number.isFinite(out.predicted.valBpb));
    assert.ok(out.heldOut.valBpb.rmse < out.heldOut.valBpb.meanRmse, 'beats predicting the mean');
    assert.ok(out.heldOut.valBpb.spearman > 0.5);
    assert.deepEqual(Object.keys(out.heldOut.byDomain).sort(), DOMAINS);
  });

  it('prints the runs it used, the held-out error per target and the predicted mixture', () => {
    const r = cli(['analyze', 'mixture', '--session', 's1', '--candidates', '1000']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Mixture study over 20 runs \(\d+ mixtures of 2 domains/);
    assert.match(r.stdout, /^ {4}valBpb +\d\.\d{4} +\d\.\d{4} +-?\d\.\d{2} +/m);
    assert.match(r.stdout, /^ {4}bpb\.code /m);
    assert.match(r.stdout, /^ {2}predicted best mixture: code 0\.\d{3}, prose 0\.\d{3}$/m);
    assert.match(r.stdout, /^ {2}runs used: m0 m1 /m);
  });

  it('refuses with one line and exit 2 when there are too few mixtures, or no such session', () => {
    const few = cli(['analyze', 'mixture', '--session', 's2', '--json']);
    assert.equal(few.status, 2);
    assert.equal(few.stdout, '');
    assert.equal(few.stderr.trim().split('\n').length, 1);
    assert.match(few.stderr, /needs ≥5 distinct mixtures .* have 1 in 1 runs/);
    const none = cli(['analyze', 'mixture', '--session', 'nope']);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /no session with id "nope"/);
    const bad = cli(['analyze', 'mixture', '--candidates', 'many']);
    assert.notEqual(bad.status, 0);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
  });
});
