/**
 * Regime (b)'s ground truth: the planted trainer process reports exactly planted-world.ts's truth when
 * its noise is off, its seed noise has the planted spread, and the false-keep / missed-win accounting
 * counts what planted-accounting.ts says it counts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/resolve.ts';
import type { TrainConfig } from '../../src/config/train-config.ts';
import { mean, sampleStd } from '../../src/stats/summary.ts';
import { removeTempDirs, tempDir } from '../../test/helpers/temp-dir.ts';
import { captured, missedWins, plantedWins, scorePlanted } from './planted-accounting.ts';
import { plantedWorld, truth, truthAtFull, type PlantedWorld } from './planted-world.ts';
import { PLANTED_TRAINER } from './planted-context.ts';

const REF = 110_592; // 54 steps of the small preset's 2048-token batch
const base = resolveConfig({ preset: 'small' });
const withSets = (sets: string[]): TrainConfig => resolveConfig({ preset: 'small', sets });
after(removeTempDirs);

interface RunOut {
  final: number;
  evals: Array<{ tokens: number; valBpb: number }>;
  flops: number;
}

/** One real planted-trainer process on `config` for `tokens` tokens. */
function runTrainer(world: PlantedWorld, config: TrainConfig, tokens: number, seed = 1): RunOut {
  const dir = tempDir('fw-planted-');
  const c = { ...structuredClone(config), seed, budget: { tokens } };
  c.train.evalEveryTokens = tokens / 6;
  writeFileSync(join(dir, 'config.json'), JSON.stringify(c));
  const r = spawnSync('python3', [PLANTED_TRAINER], {
    env: { ...process.env, FLYWHEEL_RUN_DIR: dir, FLYWHEEL_PLANTED_WORLD: JSON.stringify(world) },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const events = readFileSync(join(dir, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, number | string | boolean>);
  const end = events.find((e) => e.kind === 'end')!;
  assert.equal(end.status, 'completed');
  return {
    final: end.valBpb as number,
    flops: end.flops as number,
    evals: events
      .filter((e) => e.kind === 'eval' && !e.final)
      .map((e) => ({ tokens: e.tokens as number, valBpb: e.valBpb as number })),
  };
}

describe('the planted trainer and its truth', () => {
  it('reports exactly the TypeScript truth when its noise is off, for switches, bowls and conditions', () => {
    const quiet = plantedWorld(REF, 0);
    const configs = [
      base,
      withSets(['model.position=rope']),
      withSets(['optim.name=adamw', 'optim.lr=0.001']),
      withSets(['schedule.name=wsd', 'schedule.warmdownFrac=0.45', 'schedule.minLrFrac=0']),
      withSets(['train.batchTokens=1024', 'optim.adamLr=0.0212']),
      withSets(['model.logitSoftcap=15', 'model.tiedEmbeddings=false', 'schedule.warmupTokens=8192']),
    ];
    for (const c of configs) {
      for (const tokens of [REF, REF / 9]) {
        const out = runTrainer(quiet, c, tokens);
        assert.ok(
          Math.abs(out.final - truth(quiet, c, tokens)) < 1e-9,
          `${out.final} vs ${truth(quiet, c, tokens)}`,
        );
      }
    }
    const rope = truthAtFull(quiet, base, configs[1]) - truthAtFull(quiet, base, base);
    assert.ok(Math.abs(rope - -0.01) < 1e-12, `RoPE's planted effect ${rope}`);
    const wsd = truthAtFull(quiet, base, configs[3]) - truthAtFull(quiet, base, base);
    assert.ok(wsd < -0.004 && wsd > -0.006, `WSD idea ${wsd}`);
  });

  it('mid-run evals sit above a short run’s final value (the un-annealed LR), and FLOPs follow the model', () => {
    const quiet = plantedWorld(REF, 0);
    const long = runTrainer(quiet, base, REF);
    const mid = long.evals.find((e) => e.tokens >= REF / 3)!;
    assert.ok(mid.valBpb > truth(quiet, base, mid.tokens) + 0.01, 'mid-run is worse than a run ending there');
    assert.ok(long.evals.every((e, i) => i === 0 || e.valBpb <= long.evals[i - 1].valBpb + 1e-12));
    assert.equal(
      long.flops,
      REF * 6 * (4 * (4 * 128 * 128 + 2 * 128 * 512) + 128 * 2048) + REF * 12 * 4 * 128 * 64,
    );
  });

  it('draws seed noise with the planted spread, the same draw for the same (config, seed)', () => {
    const w = plantedWorld(REF);
    const a = runTrainer(w, base, REF, 7).final;
    assert.equal(runTrainer(w, base, REF, 7).final, a);
    const values = Array.from({ length: 12 }, (_, i) => runTrainer(w, base, REF, 100 + i).final);
    const sd = sampleStd(values);
    assert.ok(sd > 0.5 * w.sigma && sd < 1.6 * w.sigma, `sd ${sd}`);
    assert.ok(Math.abs(mean(values) - truth(w, base, REF)) < 3 * w.sigma, 'centred on the truth');
  });
});

describe('false keeps and missed wins', () => {
  const w = plantedWorld(REF);

  it('lists the planted wins of the base, and none for nulls or harmful knobs', () => {
    const wins = plantedWins(w, base).map((x) => x.path);
    for (const p of [
      'model.position',
      'model.logitSoftcap',
      'optim.lr',
      'train.batchTokens',
      'schedule.name',
    ])
      assert.ok(wins.includes(p), `${p} is a planted win: ${wins.join(', ')}`);
    for (const p of ['model.qkNorm', 'optim.name', 'model.activation', 'schedule.warmdownFrac'])
      assert.ok(!wins.includes(p), `${p} is not a win`);
  });

  it('counts a kept null or harmful change as a false keep and a kept true win as none', () => {
    const rope = withSets(['model.position=rope']);
    const ropeQk = withSets(['model.position=rope', 'model.qkNorm=true']);
    const ropeQkGelu = withSets(['model.position=rope', 'model.qkNorm=true', 'model.activation=gelu']);
    const s = scorePlanted(w, base, ropeQkGelu, [
      { title: 'RoPE', from: base, to: rope },
      { title: 'QK-norm (null)', from: rope, to: ropeQk },
      { title: 'GELU (harmful)', from: ropeQk, to: ropeQkGelu },
    ]);
    assert.deepEqual(
      s.kept.map((k) => [k.title, k.falseKeep]),
      [
        ['RoPE', false],
        ['QK-norm (null)', true],
        ['GELU (harmful)', true],
      ],
    );
    assert.equal(s.falseKeeps, 2);
    assert.ok(!s.missed.includes('model.position=rope'));
    assert.ok(s.missed.length === s.wins - 1, 'every other planted win is missed');
  });

  it('a win counts as found when the pick captures at least half its gain, under its condition', () => {
    const lrWin = plantedWins(w, base).find((x) => x.path === 'optim.lr')!;
    assert.ok(captured(lrWin, base, withSets(['optim.lr=0.028'])) > 0.99);
    assert.ok(captured(lrWin, base, withSets(['optim.lr=0.04'])) < 0.5, 'LR x2 overshoots the optimum');
    assert.equal(captured(lrWin, base, withSets(['optim.name=adamw', 'optim.lr=0.028'])), 0);
    const missed = missedWins(w, base, withSets(['model.logitSoftcap=30'])).map((m) => m.path);
    assert.ok(!missed.includes('model.logitSoftcap'), 'softcap 30 captures half of softcap 15');
    assert.ok(missed.includes('model.position'));
  });
});
