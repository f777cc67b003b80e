/**
 * The ablation plan and its statistics (core/ablation.ts, ablation-stats.ts): which knobs and arms, the
 * caps (knobs, and the session's ablation share), the scheduler's priority and reserve for it, and the
 * paired interval. No process runs here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig, setPath } from '../../config/resolve.ts';
import type { TrainConfig } from '../../config/train-config.ts';
import { pairedInterval } from './ablation-stats.ts';
import {
  ABLATION_SHARE,
  ablatable,
  ablationRunsLeft,
  ablationTarget,
  ablationPlan,
  ablationReserveRuns,
  fitPlan,
  MAX_ABLATION_KNOBS,
  MIN_ABLATION_SEEDS,
  planRuns,
} from './ablation.ts';
import { bestAttribution } from './ablation-report.ts';
import { capacityRuns } from './run-cost.ts';
import { endgameReserve, nextWork } from './scheduler.ts';
import { newTrial } from './trial-steps.ts';
import { SessionSpec } from './spec.ts';
import { BASELINE, emptyState, proposalOf, type ProposalState, type SessionState } from './state.ts';
import { proposalState } from '../../../test/helpers/proposal-state.ts';
import { testSpec } from '../../../test/helpers/test-spec.ts';

const base = resolveConfig({ preset: 'tiny' });
const spec = testSpec(base, {
  parallel: 1,
  rungTokens: [3000, 9000],
  tokPerSec: 1000,
  startupSeconds: 1,
});

function withProposal(set: Record<string, unknown>, win = true): { st: SessionState; p: ProposalState } {
  const st = emptyState();
  const p = proposalState('p1', base, {
    title: 'bundle',
    change: { kind: 'config', set },
    expectedEffect: -0.01,
    source: 'tpe',
    status: win ? 'concluded' : 'active',
    ...(win ? { verdict: 'win' as const, confirmed: true } : {}),
  });
  st.proposals.push(p);
  for (const seed of [1000, 1001, 1002, 11000]) {
    const t = newTrial(st, 'p1', seed, seed > 2000 ? 'confirm' : 'seeds', 1);
    t.results['1'] = 2;
    t.status = 'done';
  }
  return { st, p };
}

describe('ablation plan', () => {
  it('takes the largest moves apart first, caps the knobs and journals the rest as skipped', () => {
    const set = {
      'optim.name': 'adamw', // categorical: first
      'optim.lr': 0.002, // 10x down
      'optim.beta2': 0.99,
      'optim.weightDecay': 0.12,
      'optim.adamLr': 0.031,
      'model.depth': base.model.depth, // the base's own value: nothing to take apart
    };
    const { st, p } = withProposal(set);
    const plan = ablationPlan(st, spec, p, base);
    assert.ok(!('missing' in plan));
    assert.equal(plan.knobs.length, MAX_ABLATION_KNOBS);
    assert.deepEqual(plan.knobs.slice(0, 2), ['optim.name', 'optim.lr']);
    assert.deepEqual(
      plan.skipped.map((s) => s.key).sort(),
      ['model.depth', 'optim.adamLr'],
      'the smallest move and the no-op are skipped',
    );
    assert.deepEqual(plan.seeds, [1000, 1001, 1002, 11000], "the win's own seeds, decision and confirmation");
    assert.equal(plan.arms.length, MAX_ABLATION_KNOBS, 'over 3 knobs: leave-one-out only');
    for (const arm of plan.arms)
      assert.ok('optim.adamLr' in arm.set, 'a skipped knob stays set in every arm');
  });

  it("keeps a mixture's weights whole: in every arm, never taken apart one by one", () => {
    const set = {
      'model.position': 'rope',
      'model.tiedEmbeddings': false,
      'data.mixture.code': 0.143,
      'data.mixture.news': 0.143,
    };
    const { st, p } = withProposal(set);
    const plan = ablationPlan(st, spec, p, base);
    assert.ok(!('missing' in plan));
    assert.deepEqual(plan.knobs, ['model.position', 'model.tiedEmbeddings']);
    assert.deepEqual(plan.skipped.map((s) => s.key).sort(), ['data.mixture.code', 'data.mixture.news']);
    assert.match(plan.skipped[0].reason, /mixture is judged whole/);
    for (const arm of plan.arms.filter((a) => a.role === 'drop'))
      assert.deepEqual([arm.set['data.mixture.code'], arm.set['data.mixture.news']], [0.143, 0.143]);
    const onlyMixture = withProposal({ 'data.mixture.code': 0.143, 'data.mixture.news': 0.143 }, false);
    assert.ok('missing' in ablationPlan(onlyMixture.st, spec, onlyMixture.p, base), 'nothing to take apart');
    assert.equal(ablationReserveRuns(onlyMixture.st, spec), 0, 'and no reserve kept for it');
  });

  it('adds add-one-in arms for three knobs; with two they are the leave-one-out arms', () => {
    const three = withProposal({ 'optim.lr': 0.002, 'optim.beta2': 0.99, 'optim.weightDecay': 0.05 });
    const p3 = ablationPlan(three.st, spec, three.p, base);
    assert.ok(!('missing' in p3));
    assert.deepEqual(p3.arms.map((a) => a.role).sort(), ['alone', 'alone', 'alone', 'drop', 'drop', 'drop']);
    const two = withProposal({ 'optim.lr': 0.002, 'optim.beta2': 0.99 });
    const p2 = ablationPlan(two.st, spec, two.p, base);
    assert.ok(!('missing' in p2));
    assert.equal(p2.arms.length, 2);
    const noisy = withProposal({ 'optim.lr': 0.002, seed: 7 });
    const none = ablationPlan(noisy.st, spec, noisy.p, base);
    assert.match(
      'missing' in none ? none.missing : '',
      /fewer than two knobs/,
      'a noise key is never taken apart',
    );
  });

  it("shrinks to the session's ablation share: add-one-in arms, then knobs, then seeds; skipped when 2 x 3 runs do not fit", () => {
    // 9000 tokens at 1000 tok/s + 1 s start-up = 10 s a full run: 410 s pays for 41 runs, 15 % of them is 6.15
    const short = SessionSpec.parse({ ...spec, budgetSeconds: 410 });
    const three = withProposal({ 'optim.lr': 0.002, 'optim.beta2': 0.99, 'optim.weightDecay': 0.05 });
    const cap = ABLATION_SHARE * capacityRuns(three.st, short);
    assert.ok(Math.abs(cap - 6.15) < 1e-9);
    const plan = ablationPlan(three.st, short, three.p, base, cap);
    assert.ok(!('missing' in plan));
    assert.deepEqual(plan.knobs, ['optim.lr', 'optim.weightDecay'], 'the two largest moves');
    assert.deepEqual(plan.seeds, [1000, 1001, 1002], `${MIN_ABLATION_SEEDS} seeds, never fewer`);
    assert.equal(planRuns(plan), 6);
    assert.match(plan.skipped.find((x) => x.key === 'optim.beta2')?.reason ?? '', /ablation share/);
    assert.equal(ablationReserveRuns(three.st, short), 6, 'the endgame keeps room for the shrunk plan only');
    // 270 s: 27 runs, 4.05 of them the share, which paid for 2 knobs on 2 seeds: one degree of freedom
    const tiny = SessionSpec.parse({ ...spec, budgetSeconds: 270 });
    const none = ablationPlan(three.st, tiny, three.p, base, ABLATION_SHARE * capacityRuns(three.st, tiny));
    assert.match(
      'missing' in none ? none.missing : '',
      /needs at least 6 full-budget runs \(2 knobs x 3 seeds\)/,
    );
    three.st.proposals.unshift({ ...three.p, id: BASELINE, change: { kind: 'config', set: {} } });
    three.p.stats = { delta: -0.05, ci95: [-0.07, -0.03], pValue: 0.001, n: 4, mean: 2, std: 0.01 };
    assert.match(
      bestAttribution(three.st, tiny, 'p1').attributionReason ?? '',
      /not ablated: taking p1 apart needs at least 6 full-budget runs .* more than the 4\.0 left of the session's ablation share \(15 % of the full runs it pays for\)/,
      'research --json says why the best has no attribution',
    );
    // the share is the session's: an earlier ablation's arms count against it
    assert.ok(Math.abs(ablationRunsLeft(three.st, short) - 6.15) < 1e-9);
    for (const seed of [1000, 1001, 1002]) newTrial(three.st, 'p1', seed, 'ablation', 1);
    assert.ok(Math.abs(ablationRunsLeft(three.st, short) - 3.15) < 1e-9);
    assert.equal(
      ablationReserveRuns(three.st, short),
      3,
      'no room left for a second one; the three arm runs not started stay reserved',
    );
    three.st.trials.filter((t) => t.purpose === 'ablation').forEach((t) => (t.status = 'cancelled'));
    assert.ok(Math.abs(ablationRunsLeft(three.st, short) - 6.15) < 1e-9, 'cancelled arms spent nothing');
    assert.deepEqual(fitPlan(3, 4, Infinity), { knobs: 3, alone: true, seeds: 4 });
    assert.deepEqual(fitPlan(4, 4, 12), { knobs: 3, alone: false, seeds: 4 });
    assert.equal(fitPlan(2, 2, Infinity), undefined, 'a win with two seeds is not taken apart');
  });

  it('ablation trials run before new ideas, and the endgame keeps room for a multi-knob candidate at the top', () => {
    const { st } = withProposal({ 'optim.lr': 0.002, 'optim.beta2': 0.99 }, false);
    const reserveBefore = endgameReserve(emptyState(), spec, 1);
    assert.equal(ablationReserveRuns(st, spec), 2 * 4);
    assert.ok(endgameReserve(st, spec, 1) > reserveBefore);
    st.proposals.push({
      ...st.proposals[0],
      id: 'p2',
      change: { kind: 'config', set: { 'optim.lr': 0.003 } },
      status: 'active',
    });
    st.proposals.push({ ...st.proposals[0], id: 'p3', ablationOf: 'p1', status: 'active' });
    newTrial(st, 'p2', 1000, 'explore', 0);
    newTrial(st, 'p3', 1000, 'ablation', 1);
    assert.equal(nextWork(st, spec, Infinity)?.trial.purpose, 'ablation');
    // the engine's own arms wait while a candidate on the base is on its way to a verdict (p1 was
    // sent straight to the full budget and has no look yet); the researcher's asked-for arms do not
    const study = { winId: 'p0', baseId: BASELINE, knobs: [], skipped: [], seeds: [1000] };
    st.ablations = [
      {
        ...study,
        status: 'running',
        by: 'engine',
        arms: [{ proposalId: 'p3', keys: ['optim.lr'], role: 'drop' }],
      },
    ];
    assert.equal(nextWork(st, spec, Infinity)?.trial.purpose, 'explore', 'the arm waits');
    assert.equal(nextWork(st, spec, Infinity, 1, { reserve: false })?.trial.purpose, 'ablation', 'lifted');
    st.ablations![0].by = 'claude';
    assert.equal(nextWork(st, spec, Infinity)?.trial.purpose, 'ablation', 'asked for: runs as asked');
  });

  it('a win that sets part of the stack under it back is ablated as the stack the session keeps, against the config under that stack', () => {
    const st = emptyState();
    const cfg = (set: Record<string, unknown>, from = base) => {
      const c = structuredClone(from) as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(set)) setPath(c, k, v);
      return c as unknown as TrainConfig;
    };
    const win = { status: 'concluded' as const, verdict: 'win' as const, confirmed: true };
    const stackSet = { 'model.position': 'rope', 'optim.lr': 0.04, 'schedule.name': 'wsd' };
    const stack = cfg(stackSet);
    st.proposals.push(proposalState(BASELINE, base));
    st.proposals.push(proposalState('p1', stack, { ...win, change: { kind: 'config', set: stackSet } }));
    const backSet = { 'optim.lr': base.optim.lr, 'schedule.name': base.schedule.name };
    st.proposals.push(
      proposalState('p2', cfg(backSet, stack), {
        ...win,
        baseId: 'p1',
        change: { kind: 'config', set: backSet },
      }),
    );
    const t = ablationTarget(st, proposalOf(st, 'p2'));
    assert.equal(t.baseId, BASELINE);
    assert.deepEqual(t.set, { 'model.position': 'rope' }, 'the stack without what the pace check set back');
    assert.match(ablatable(st, proposalOf(st, 'p2')) ?? '', /changes one knob/);
    // a follow-up that adds a knob on the stack is its own change, against the stack
    const more = { 'model.qkNorm': true, 'model.logitSoftcap': 15 };
    st.proposals.push(
      proposalState('p3', cfg(more, stack), { ...win, baseId: 'p1', change: { kind: 'config', set: more } }),
    );
    assert.deepEqual(ablationTarget(st, proposalOf(st, 'p3')), { baseId: 'p1', set: more });
  });

  it('the paired interval needs two pairs and keeps the floor unless the study pairs by design', () => {
    const unpaired = { sd: 0.014, own: false };
    assert.equal(pairedInterval([0.01], unpaired), undefined);
    const tight = pairedInterval([0.001, 0.001, 0.001], { sd: 0, own: false })!;
    assert.equal(tight.ci95[1] - tight.ci95[0], 0, 'no spread, no floor: a point');
    const floored = pairedInterval([0.001, 0.001, 0.001], unpaired)!;
    assert.ok(floored.ci95[0] < 0 && floored.ci95[1] > 0, 'identical lucky pairs stay noise under the floor');
    // on a pairing trainer three pairs are the paired t test on their own sd (df 2, t 4.30)
    const calm = [-0.0058, -0.0051, -0.0044];
    const own = pairedInterval(calm, { sd: 0.014, own: true })!;
    assert.ok(own.ci95[1] < 0, `a knob worth -0.005 on calm pairs carries: [${own.ci95}]`);
    assert.ok(Math.abs(own.ci95[1] - own.ci95[0] - 2 * 4.3027 * (0.0007 / Math.sqrt(3))) < 1e-5);
    assert.ok(pairedInterval(calm, unpaired)!.ci95[1] > 0, 'the same pairs under the floor: noise');
    // two pairs, or pairs that do not vary (one value up to rounding), keep the floor even then
    assert.ok(pairedInterval(calm.slice(0, 2), { sd: 0.014, own: true })!.ci95[1] > 0);
    const same = pairedInterval([0.001, 0.001, 0.001], { sd: 0.014, own: true })!;
    assert.ok(same.ci95[0] < 0 && same.ci95[1] > 0, 'no spread is nothing to test');
    // erratic pairs pay in their own width
    assert.ok(pairedInterval([-0.03, 0.004, -0.012], { sd: 0.001, own: true })!.ci95[1] > 0);
  });
});
