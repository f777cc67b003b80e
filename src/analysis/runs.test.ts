import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../config/resolve.ts';
import type { TrainConfig } from '../config/train-config.ts';
import { lossComputeFrontier } from './frontier.ts';
import { flopsPerToken } from '../runs/flops.ts';
import {
  chargedCompute,
  families,
  familyKey,
  isFullyDecayed,
  type AnalysisRun,
  type MeasuredRun,
} from './runs.ts';

const tiny = resolveConfig({ preset: 'tiny' });
const withModel = (m: Partial<TrainConfig['model']>, extra: Partial<TrainConfig> = {}): TrainConfig => ({
  ...tiny,
  ...extra,
  model: { ...tiny.model, ...m },
});
const run = (id: string, config: TrainConfig, o: Partial<AnalysisRun> = {}): AnalysisRun => ({
  id,
  status: 'completed',
  config,
  configHash: id,
  seed: 0,
  params: 1e5 * config.model.depth,
  tokens: config.budget.tokens ?? 1,
  flops: 6e5 * config.model.depth * (config.budget.tokens ?? 1),
  valBpb: 3 - 0.1 * config.model.depth,
  tags: {},
  ...o,
});

describe('analysis runs: families and fully-decayed runs', () => {
  it('puts runs that differ only in size, budget and seed in one family, and a changed knob in another', () => {
    const a = familyKey({ config: tiny });
    assert.equal(familyKey({ config: withModel({ depth: 6, width: 128, heads: 4 }) }), a);
    assert.equal(familyKey({ config: { ...tiny, seed: 3, budget: { tokens: 1e6 } } }), a);
    assert.notEqual(familyKey({ config: withModel({ position: 'rope' }) }), a);
    assert.notEqual(familyKey({ config: { ...tiny, optim: { ...tiny.optim, lr: 0.01 } } }), a);
    assert.notEqual(familyKey({ config: tiny, codeHash: 'patched' }), a);
  });

  it('counts only completed runs with a final eval as fully decayed', () => {
    assert.ok(isFullyDecayed(run('a', tiny)));
    assert.ok(
      !isFullyDecayed(run('b', tiny, { status: 'stopped', statusReason: 'reached the rung 0 budget' })),
    );
    assert.ok(!isFullyDecayed(run('c', tiny, { valBpb: undefined })));
    assert.ok(!isFullyDecayed(run('d', tiny, { flops: 0 })));
  });

  it('ranks families by how many sizes x budgets they cover, and draws the frontier over seed means', () => {
    const rs: AnalysisRun[] = [];
    for (const depth of [1, 2, 3])
      for (const tokens of [1e4, 1e5])
        for (const seed of [0, 1])
          rs.push(
            run(
              `r${rs.length}`,
              { ...withModel({ depth }), budget: { tokens } },
              { seed, valBpb: 4 - depth * 0.1 - Math.log10(tokens) * 0.2 + seed * 0.01 },
            ),
          );
    rs.push(run('other', withModel({ position: 'rope' })));
    const fams = families(rs);
    assert.equal(fams.length, 2);
    assert.equal(fams[0].runs.length, 12);
    const f = lossComputeFrontier(fams[0].runs as MeasuredRun[]);
    assert.equal(f.points.length, 6);
    assert.ok(f.points.every((p) => p.n === 2));
    assert.equal(f.bySize.length, 3);
    for (let i = 1; i < f.frontier.length; i++) {
      assert.ok(
        f.frontier[i].flops > f.frontier[i - 1].flops && f.frontier[i].valBpb < f.frontier[i - 1].valBpb,
      );
    }
  });
});

describe('charged compute', () => {
  const cfg = { ...tiny, data: { ...tiny.data, vocabSize: 2048 }, budget: { tokens: 100_000 } };
  it('charges a run at least its token budget and the reference FLOPs per token, whatever the trainer claims', () => {
    const c = chargedCompute(cfg, 'completed', 25_000, 1e9);
    assert.equal(c.tokens, 100_000);
    assert.equal(c.flops, flopsPerToken(cfg.model, 2048) * 100_000);
    const honest = flopsPerToken(cfg.model, 2048) * 100_352;
    assert.deepEqual(chargedCompute(cfg, 'completed', 100_352, honest), { tokens: 100_352, flops: honest });
  });

  it("takes a foreign trainer's FLOPs at its word (its model is not the reference one)", () => {
    const foreign = { ...cfg, trainer: { command: ['python3', 'train.py'] } };
    assert.equal(chargedCompute(foreign, 'completed', 100_000, 5e9).flops, 5e9);
  });
});
