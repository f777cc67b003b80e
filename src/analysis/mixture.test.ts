/**
 * The mixture study on synthetic runs whose per-domain loss is a known function of the weights
 * (L_d = c_d − a_d·log(w_d + 0.01), overall = their mean, plus seed noise), so the best mixture is known
 * in closed form: w_d + 0.01 ∝ a_d.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configHash, resolveConfig } from '../config/resolve.ts';
import { mulberry32, randNormal } from '../stats/rng.ts';
import { mixtureStudy, dirichlet } from './mixture.ts';
import type { MixtureRun } from './mixture-data.ts';
import { spearman } from './mixture-fit.ts';

const DOMAINS = ['code', 'news', 'prose'];
const A = [0.3, 0.1, 0.2];
const C = [1.5, 2.5, 2.0];
const truth = (w: number[]) => DOMAINS.map((_, i) => C[i] - A[i] * Math.log(w[i] + 0.01));
const OPT = A.map((a) => (a / A.reduce((s, x) => s + x, 0)) * (1 + 3 * 0.01) - 0.01);

let n = 0;
function run(w: number[], seed: number, rng: () => number, sets: string[] = []): MixtureRun {
  const config = resolveConfig({
    preset: 'tiny',
    sets: [...DOMAINS.map((d, i) => `data.mixture.${d}=${w[i].toFixed(4)}`), ...sets],
    budget: '40000tok',
    seed,
  });
  config.data.dir = '/data/abc123';
  const by = truth(w).map((v) => v + 0.002 * randNormal(rng));
  return {
    id: `m${n++}`,
    status: 'completed',
    config,
    configHash: configHash(config),
    seed,
    valBpb: by.reduce((s, x) => s + x, 0) / by.length,
    valBpbByDomain: Object.fromEntries(DOMAINS.map((d, i) => [d, by[i]])),
    tags: {},
  };
}

function study(mixtures: number, seeds = 2, seed = 3): MixtureRun[] {
  const rng = mulberry32(seed);
  const out: MixtureRun[] = [];
  for (let m = 0; m < mixtures; m++) {
    const w = dirichlet(rng, [2, 2, 2]).map((x) => Math.max(x, 0.02));
    const s = w.reduce((a, b) => a + b, 0);
    for (let k = 0; k < seeds; k++)
      out.push(
        run(
          w.map((x) => x / s),
          k,
          rng,
        ),
      );
  }
  return out;
}

describe('mixture study', () => {
  it('finds the known best mixture, with held-out error far below the spread of the mixtures', () => {
    const r = mixtureStudy(study(24), { candidates: 5000 });
    assert.ok(r.ok, r.ok ? '' : r.missing);
    assert.deepEqual(r.domains, DOMAINS);
    assert.equal(r.runs, 48);
    DOMAINS.forEach((d, i) =>
      assert.ok(
        Math.abs(r.predicted.weights[d] - OPT[i]) < 0.06,
        `${d}: ${r.predicted.weights[d]} vs ${OPT[i]}`,
      ),
    );
    const atOpt = truth(OPT).reduce((s, x) => s + x, 0) / 3;
    assert.ok(Math.abs(r.predicted.valBpb - atOpt) < 0.01, `${r.predicted.valBpb} vs ${atOpt}`);
    assert.ok(r.predicted.valBpb <= r.bestObserved.valBpb + 0.003, 'at least as good as the best run');
    const h = r.heldOut.valBpb;
    assert.ok(h.rmse < h.meanRmse / 3, `held-out rmse ${h.rmse} vs the mean's ${h.meanRmse}`);
    assert.ok(h.spearman > 0.8, `spearman ${h.spearman}`);
    for (const d of DOMAINS) {
      assert.ok(r.heldOut.byDomain[d].rmse < r.heldOut.byDomain[d].meanRmse, d);
      assert.ok(Number.isFinite(r.predicted.byDomain[d]));
    }
    assert.deepEqual(r.warnings, []);
  });

  it('says how many mixtures are missing when there are too few', () => {
    const r = mixtureStudy(study(3));
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.missing : '', /needs ≥5 distinct mixtures .* have 3 in 6 runs/);
    assert.equal(mixtureStudy([]).ok, false);
  });

  it('studies only runs that differ in the mixture alone, and warns when the mixtures do not move the loss', () => {
    const rng = mulberry32(9);
    const flat = study(8, 2).map((r) => {
      const v = 2 + 0.002 * randNormal(rng);
      return { ...r, valBpb: v, valBpbByDomain: { code: v, news: v, prose: v } };
    });
    // another optimizer setting is another group: its 2 mixtures stay out of the study
    const other = [
      run([0.2, 0.3, 0.5], 0, rng, ['optim.lr=0.5']),
      run([0.5, 0.3, 0.2], 0, rng, ['optim.lr=0.5']),
    ];
    const r = mixtureStudy([...flat, ...other], { candidates: 2000, targets: 'overall' });
    assert.ok(r.ok);
    assert.equal(r.runs, 16);
    assert.ok(!r.runIds.some((id) => other.some((o) => o.id === id)));
    assert.deepEqual(r.heldOut.byDomain, {});
    assert.ok(r.warnings.some((w) => /no better than their mean/.test(w)));
    assert.ok(r.warnings.some((w) => /1 other group/.test(w)));
  });

  it('weights a default (by-size) mixture by the dataset’s train tokens, and leaves it out when they are unknown', () => {
    const rng = mulberry32(5);
    const runs = study(6, 1);
    const base = run([0.5, 0.25, 0.25], 0, rng);
    base.config.data.mixture = {};
    const known = mixtureStudy([...runs, base], {
      targets: 'overall',
      candidates: 500,
      trainTokensOf: (dir) => (dir === '/data/abc123' ? { code: 200, news: 100, prose: 100 } : undefined),
    });
    assert.ok(known.ok && known.runs === 7);
    const unknown = mixtureStudy([...runs, base], { targets: 'overall', candidates: 500 });
    assert.ok(unknown.ok && unknown.runs === 6);
    assert.match(unknown.warnings.join(' '), /cannot be known/);
  });

  it('ranks with Spearman’s correlation, ties averaged', () => {
    assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1);
    assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
    assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
  });
});
