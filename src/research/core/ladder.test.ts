import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matmulParams } from '../../runs/flops.ts';
import { describeLadder, ladderEntry, ladderModel, ladderSizes, ladderVerdict } from './ladder.ts';

const tiny = {
  depth: 4,
  width: 128,
  heads: 4,
  seqLen: 128,
  mlpRatio: 4,
  norm: 'layernorm' as const,
  position: 'rope' as const,
  activation: 'gelu' as const,
  qkNorm: false,
  tiedEmbeddings: true,
  zeroInitProj: false,
  logitSoftcap: 0,
  dropout: 0,
  bias: false,
};

describe('size ladder', () => {
  it('grows depth by one and width by 1.25x per step, in multiples of heads x 8', () => {
    const m1 = ladderModel(tiny, 1);
    const m2 = ladderModel(tiny, 2);
    assert.deepEqual([m1.depth, m1.width, m1.heads], [5, 160, 4]);
    assert.deepEqual([m2.depth, m2.width], [6, 192]);
    for (const m of [m1, m2]) assert.equal(m.width % (m.heads * 8), 0);
  });

  it('scales tokens with parameters, in whole batches', () => {
    const sizes = ladderSizes(tiny, 2, 400_000, 4096, 8192);
    assert.equal(sizes.length, 2);
    const p0 = matmulParams(tiny, 4096);
    for (const s of sizes) {
      assert.equal(s.tokens % 8192, 0);
      assert.ok(Math.abs(s.tokens / 400_000 - s.params / p0) < 0.03, `${s.tokens} vs ${s.params / p0}`);
    }
    assert.ok(sizes[1].params > sizes[0].params && sizes[0].params > p0);
  });

  it('says holds, shrinks or flips by the thresholds', () => {
    assert.equal(ladderVerdict(-0.04, -0.03, [-0.05, -0.01]), 'holds');
    assert.equal(ladderVerdict(-0.04, -0.01, [-0.02, -0.001]), 'shrinks');
    assert.equal(ladderVerdict(-0.04, -0.03, [-0.07, 0.01]), 'shrinks');
    assert.equal(ladderVerdict(-0.04, 0.002, [-0.01, 0.015]), 'flips');
  });

  it('judges one size with the session statistics and its compute multiplier', () => {
    // Baseline law L(C) = 1 + 40 C^-0.2 over three budgets, three seeds each; the candidate at the
    // largest budget sits where the baseline would be with 1.5x the compute.
    const law = (c: number) => 1 + 40 * c ** -0.2;
    const noise = [-0.002, 0, 0.002];
    const budgets = [1e13, 3e13, 9e13];
    const baseLaw = budgets.flatMap((c, i) =>
      noise.map((e, j) => ({ id: `b${i}${j}`, flops: c, valBpb: law(c) + e })),
    );
    const base = baseLaw.slice(6);
    const cand = noise.map((e, j) => ({ id: `c${j}`, flops: 9e13, valBpb: law(1.5 * 9e13) + e }));
    const e = ladderEntry({ step: 1, params: 2e6, tokens: 800_000 }, -0.008, base, cand, baseLaw);
    assert.equal(e.verdict, 'holds');
    assert.ok(e.delta! < 0 && e.ci95![1] < 0);
    assert.ok(e.computeMultiplier, 'has a multiplier');
    assert.ok(Math.abs(e.computeMultiplier.value - 1.5) < 0.15, `multiplier ${e.computeMultiplier.value}`);
    assert.match(describeLadder([e]), /^holds at 2\.00M params/);
    const pending = ladderEntry(
      { step: 2, params: 3e6, tokens: 1e6 },
      -0.05,
      base.slice(0, 1),
      cand,
      baseLaw,
    );
    assert.equal(pending.verdict, 'pending');
  });
});
