import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Knob } from '../config/search-space.ts';
import { Rng } from './rng.ts';
import { Tpe, type Observation } from './tpe.ts';

const KNOBS: Knob[] = [
  { path: 'x', type: 'float', low: -5, high: 5, log: false },
  { path: 'y', type: 'float', low: -5, high: 5, log: false },
];
// A 2-D quadratic with its minimum off-centre, observed with noise (like val bpb over seeds).
const truth = (p: Record<string, unknown>) => ((p.x as number) - 1.3) ** 2 + 2 * ((p.y as number) + 2.1) ** 2;
const TRIALS = 40;
const NOISE = 0.5;

/** Best true value among the points a method picked (by its noisy observations, as a user would). */
function run(method: 'tpe' | 'random', seed: number): number {
  const rng = new Rng(seed);
  const noise = new Rng(seed + 1000);
  const tpe = new Tpe(KNOBS);
  const obs: Observation[] = [];
  for (let i = 0; i < TRIALS; i++) {
    const point = method === 'tpe' ? tpe.suggest(obs, rng)!.point : tpe.randomPoint(rng);
    obs.push({ point, value: truth(point) + NOISE * noise.normal() });
  }
  const best = obs.reduce((a, b) => (b.value < a.value ? b : a));
  return truth(best.point);
}

describe('TPE', () => {
  it('beats random search on a noisy 2-D quadratic in most of 20 seeds with the same number of trials', (t) => {
    let wins = 0;
    const tpeVals: number[] = [];
    const rndVals: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const a = run('tpe', seed);
      const b = run('random', seed);
      tpeVals.push(a);
      rndVals.push(b);
      if (a < b) wins++;
    }
    const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
    t.diagnostic(
      `TPE better in ${wins}/20 seeds; median true regret TPE ${median(tpeVals).toFixed(3)} vs random ${median(rndVals).toFixed(3)}`,
    );
    assert.ok(wins >= 14, `TPE won only ${wins}/20`);
    assert.ok(median(tpeVals) < median(rndVals));
  });

  it('suggests the same points given the same seed and observations', () => {
    const obs: Observation[] = [];
    const r0 = new Rng(7);
    const tpe = new Tpe(KNOBS);
    for (let i = 0; i < 15; i++) {
      const p = tpe.randomPoint(r0);
      obs.push({ point: p, value: truth(p) });
    }
    const a = tpe.suggest(obs, new Rng(42));
    const b = new Tpe(KNOBS).suggest(obs, new Rng(42));
    assert.deepEqual(a, b);
    assert.equal(a!.random, false);
    assert.notDeepEqual(a!.point, new Tpe(KNOBS).suggest(obs, new Rng(43))!.point);
  });

  it('learns which categorical choice is good and keeps log and int knobs inside their bounds', () => {
    const knobs: Knob[] = [
      { path: 'opt', type: 'categorical', choices: ['a', 'b', 'c'] },
      { path: 'lr', type: 'float', low: 1e-4, high: 1e-1, log: true },
      { path: 'bs', type: 'int', low: 16, high: 1024, log: true },
    ];
    const f = (p: Record<string, unknown>) =>
      (p.opt === 'b' ? 0 : 1) + Math.abs(Math.log10(p.lr as number) + 2.5);
    const tpe = new Tpe(knobs);
    const rng = new Rng(3);
    const obs: Observation[] = [];
    for (let i = 0; i < 40; i++) {
      const s = tpe.suggest(obs, rng)!;
      const p = s.point;
      assert.ok((p.lr as number) >= 1e-4 && (p.lr as number) <= 1e-1);
      assert.ok(Number.isInteger(p.bs) && (p.bs as number) >= 16 && (p.bs as number) <= 1024);
      obs.push({ point: p, value: f(p) });
    }
    const late = obs.slice(20);
    assert.ok(
      late.filter((o) => o.point.opt === 'b').length >= 12,
      'most model-based points pick the good choice',
    );
  });

  it('puts failed points in the bad group and still suggests', () => {
    const tpe = new Tpe(KNOBS, { nStartup: 3 });
    const obs: Observation[] = [
      { point: { x: 4, y: 4 }, value: Infinity },
      { point: { x: 1, y: -2 }, value: 0.1 },
      { point: { x: -4, y: 3 }, value: Infinity },
      { point: { x: 0, y: 0 }, value: 5 },
    ];
    const s = tpe.suggest(obs, new Rng(1))!;
    assert.equal(s.random, false);
    assert.ok(Number.isFinite(s.predicted!));
  });
});
