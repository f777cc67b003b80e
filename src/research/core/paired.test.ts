import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../config/resolve.ts';
import { resolveSpecConfig } from '../../config/spec-config.ts';
import { parseTrainerSpec } from '../../config/trainer-spec.ts';
import type { TrainConfig } from '../../config/train-config.ts';
import { proposalState } from '../../../test/helpers/proposal-state.ts';
import { testSpec } from '../../../test/helpers/test-spec.ts';
import { concludeReady } from './conclude.ts';
import { nextSeed, nextSeedTrials } from './next-seed.ts';
import { pairedOf, withPairing } from './paired.ts';
import { nextWork } from './scheduler.ts';
import { newTrial } from './trial-steps.ts';
import { BASELINE, emptyState, type ProposalState, type SessionState } from './state.ts';

const reference = resolveConfig({ preset: 'tiny' });
const foreign: TrainConfig = { ...reference, trainer: { command: ['python3', 'train.py'] } };
const withLr = (c: TrainConfig, lr: number): TrainConfig => ({ ...c, optim: { ...c.optim, lr } });
const RUNGS = [3000, 9000];

// each seed's shared draw (its data order and initial weights): large against each run's own noise
const SEED = { 1000: 0.012, 1001: -0.009, 1002: 0.004, 1003: -0.006 } as Record<number, number>;
const own = [0.0008, -0.0011, 0.0004, -0.0006, 0.001, -0.0003, 0.0007, -0.0009];

/** The baseline on seeds 1000-1002 and a candidate 0.004 better on `seeds`, all at the top rung. */
function session(base: TrainConfig, seeds: number[], over: Partial<ProposalState> = {}): SessionState {
  const st = emptyState();
  st.proposals.push(proposalState(BASELINE, base), proposalState('p1', withLr(base, 0.0123), over));
  let k = 0;
  const run = (id: string, seed: number, mean: number) => {
    const t = newTrial(st, id, seed, id === BASELINE ? 'baseline' : seed === 1000 ? 'explore' : 'seeds', 1);
    t.results['1'] = mean + SEED[seed] + own[k++ % own.length];
    t.status = 'done';
  };
  for (const s of [1000, 1001, 1002]) run(BASELINE, s, 2.5);
  for (const s of seeds) run('p1', s, 2.496);
  st.proposals[1].looks = [];
  return st;
}

const verdictOf = (st: SessionState, base: TrainConfig) =>
  concludeReady(st, withPairing(testSpec(base, { rungTokens: RUNGS, maxSeeds: 3 }))).find(
    (c) => c.proposal.id === 'p1',
  )!;

describe('paired seeds in a session', () => {
  it("judges a config change's third seed on the reference trainer by its own differences from the base", () => {
    const paired = verdictOf(session(reference, [1000, 1001, 1002]), reference);
    const unpaired = verdictOf(session(foreign, [1000, 1001, 1002]), foreign);
    assert.match(paired.judgement.reasons.join(' '), /on 3 paired seeds/);
    assert.doesNotMatch(unpaired.judgement.reasons.join(' '), /paired seeds/);
    assert.ok(Math.abs(paired.judgement.delta + 0.004) < 0.0015, `paired delta ${paired.judgement.delta}`);
    assert.ok(paired.judgement.pValue < unpaired.judgement.pValue / 10);
    // a paired look is not one cumulative comparison with the unpaired ones: the union bound spends it
    assert.equal(paired.proposal.looks?.at(-1)?.blocked, true);
  });

  it('is recorded when a session is created, so one written before it resumes unpaired', () => {
    assert.equal(withPairing(testSpec(reference, { rungTokens: RUNGS })).pairedSeeds, true);
    assert.equal(withPairing(testSpec(foreign, { rungTokens: RUNGS })).pairedSeeds, false);
    const old = testSpec(reference, { rungTokens: RUNGS }); // as a spec stored before pairing parses
    const st = session(reference, [1000, 1001, 1002]);
    assert.equal(pairedOf(st, old, st.proposals[1], BASELINE), undefined);
    assert.ok(pairedOf(st, withPairing(old), st.proposals[1], BASELINE));
  });

  it("pairs a brought script's knob change when its spec says the seed pairs, and only then", () => {
    const script = (pairs?: boolean): TrainConfig =>
      resolveSpecConfig({
        spec: parseTrainerSpec({
          name: 'script',
          command: ['{python}', 'train.py'],
          knobs: {
            lr: { type: 'float', low: 1e-4, high: 1e-1, log: true, default: 1e-3, flag: '--lr={value}' },
          },
          seed: { flag: '--seed={value}', ...(pairs === undefined ? {} : { pairs }) },
          budget: { tokens: { flag: '--tokens={value}' } },
          metrics: { final: '^val_bpb: (?<valBpb>[\\d.]+)' },
        }),
        budget: '1e4tok',
      });
    const knob = (c: TrainConfig): TrainConfig => ({ ...c, knobs: { lr: 0.002 } });
    const judged = (c: TrainConfig) => {
      const st = session(c, [1000, 1001, 1002]);
      st.proposals[1].config = knob(c);
      const spec = withPairing(testSpec(c, { rungTokens: RUNGS, maxSeeds: 3 }));
      return { spec, paired: pairedOf(st, spec, st.proposals[1], BASELINE) };
    };
    assert.equal(judged(script(true)).spec.pairedSeeds, true);
    assert.equal(judged(script(true)).paired?.n, 3);
    for (const c of [script(), script(false)]) {
      assert.equal(judged(c).spec.pairedSeeds, false);
      assert.equal(judged(c).paired, undefined);
    }
  });

  it('leaves two seeds, an agent’s code and a foreign trainer to the other tests', () => {
    const spec = withPairing(testSpec(reference, { rungTokens: RUNGS, maxSeeds: 3 }));
    const two = session(reference, [1000, 1001]);
    assert.equal(pairedOf(two, spec, two.proposals[1], BASELINE), undefined);
    const code = session(reference, [1000, 1001, 1002], { change: { kind: 'code', edits: [] } });
    assert.equal(pairedOf(code, spec, code.proposals[1], BASELINE), undefined);
    const st = session(foreign, [1000, 1001, 1002]);
    assert.equal(
      pairedOf(st, withPairing(testSpec(foreign, { rungTokens: RUNGS })), st.proposals[1], BASELINE),
      undefined,
    );
    // the candidate alone on a foreign trainer is not paired either
    const mixed = session(reference, [1000, 1001, 1002]);
    mixed.proposals[1].config = withLr(foreign, 0.0123);
    assert.equal(pairedOf(mixed, spec, mixed.proposals[1], BASELINE), undefined);
    const three = session(reference, [1000, 1001, 1002]);
    assert.equal(pairedOf(three, spec, three.proposals[1], BASELINE)?.n, 3);
  });

  it("runs a candidate's next seed on its base's seeds first, so a re-based base's held-out seed pairs too", () => {
    const spec = withPairing(testSpec(reference, { rungTokens: RUNGS, maxSeeds: 3 }));
    const first = session(reference, [1000, 1001]);
    assert.equal(nextSeed(first, spec, 'p1').seed, 1002);
    const st = session(reference, [1000, 1001]);
    // p1 becomes the base with its two decision seeds and its held-out run; p2 is judged against it
    const held = newTrial(st, 'p1', 11000, 'confirm', 1);
    held.results['1'] = 2.4955;
    held.status = 'done';
    const seeds = st.trials.filter((t) => t.proposalId === 'p1').map((t) => t.id);
    st.rebases = [
      {
        from: BASELINE,
        to: 'p1',
        at: '',
        evidence: { delta: -0.004, ci95: [-0.006, -0.002], n: 3, nBase: 3, p: 0.01 },
        seedTrials: seeds,
      },
    ];
    st.base = 'p1';
    st.proposals.push(proposalState('p2', withLr(reference, 0.0124), { baseId: 'p1' }));
    for (const s of [1000, 1001]) newTrial(st, 'p2', s, s === 1000 ? 'explore' : 'seeds', 1);
    assert.equal(nextSeed(st, spec, 'p2').seed, 11000);
    // past the base's seeds: the lowest one it has not used
    assert.equal(nextSeed(st, spec, 'p2').seed, 1002);
  });

  it('adds the held-out pair to the all-seeds test', () => {
    const spec = withPairing(testSpec(reference, { rungTokens: RUNGS, maxSeeds: 3 }));
    const st = session(reference, [1000, 1001, 1002]);
    for (const [id, v] of [
      ['p1', 2.4955],
      [BASELINE, 2.5001],
    ] as const) {
      const t = newTrial(st, id, 11000, 'confirm', 1);
      t.results['1'] = v;
      t.status = 'done';
    }
    assert.equal(pairedOf(st, spec, st.proposals[1], BASELINE)?.n, 3);
    assert.equal(pairedOf(st, spec, st.proposals[1], BASELINE, true)?.n, 4);
  });

  it('confirms a pass on two seeds on the base’s third: the pair is that run and one new one', () => {
    const spec = withPairing(testSpec(reference, { rungTokens: RUNGS, maxSeeds: 3 }));
    const st = session(reference, [1000, 1001], { change: { kind: 'config', set: { 'optim.lr': 0.0123 } } });
    // many noise floors better: it passes on its two seeds
    for (const t of st.trials.filter((x) => x.proposalId === 'p1')) t.results['1'] -= 0.05;
    const pass = concludeReady(st, spec).find((c) => c.proposal.id === 'p1')!;
    assert.equal(pass.step, 'confirm', pass.judgement.reasons.join('; '));
    assert.deepEqual(
      pass.newTrials.map((t) => [t.proposalId, t.seed, t.purpose]),
      [['p1', 1002, 'confirm']],
    );
    const held = pass.newTrials[0];
    held.results['1'] = 2.446 + SEED[1002] + 0.0003;
    held.status = 'done';
    const c = concludeReady(st, spec).find((x) => x.proposal.id === 'p1')!;
    assert.equal(c.judgement.verdict, 'win', c.judgement.reasons.join('; '));
    assert.ok(
      Math.abs(c.judgement.confirmDelta! + 0.054) < 0.002,
      `confirmation ${c.judgement.confirmDelta}`,
    );
    // the all-seeds test: three pairs, the base's run on 1002 once
    assert.equal(pairedOf(st, spec, st.proposals[1], BASELINE, true)?.n, 3);
    assert.equal(st.trials.filter((t) => t.proposalId === BASELINE).length, 3, 'no base re-run');
  });

  it('has its base run a seed the base never ran, and takes the look once both have', () => {
    const spec = withPairing(testSpec(reference, { rungTokens: RUNGS, maxSeeds: 5 }));
    const st = session(reference, [1000, 1001, 1002]);
    const [mine, theirs] = nextSeedTrials(st, spec, 'p1');
    assert.deepEqual([mine.proposalId, mine.seed, mine.purpose], ['p1', 1003, 'seeds']);
    assert.deepEqual(
      [theirs.proposalId, theirs.seed, theirs.purpose, theirs.startRung, theirs.untilRung],
      [BASELINE, 1003, 'baseline', 1, undefined],
    );
    // the candidate's run ends first: no look, no verdict, until its base's run of the seed has ended
    const looks = () => st.proposals[1].looks?.length ?? 0;
    concludeReady(st, spec);
    const before = looks();
    mine.results['1'] = 2.496 + SEED[1003] + 0.0002;
    mine.status = 'done';
    assert.equal(
      concludeReady(st, spec).find((c) => c.proposal.id === 'p1'),
      undefined,
    );
    assert.equal(looks(), before);
    theirs.results['1'] = 2.5 + SEED[1003] - 0.0004;
    theirs.status = 'done';
    const c = concludeReady(st, spec).find((x) => x.proposal.id === 'p1')!;
    assert.match(c.judgement.reasons.join(' '), /on 4 paired seeds/);
    assert.equal(looks(), before + 1);
  });

  it('adds no base run where the seed is the base’s, or where the design does not pair', () => {
    const spec = withPairing(testSpec(reference, { rungTokens: RUNGS, maxSeeds: 5 }));
    const st = session(reference, [1000, 1001]);
    assert.deepEqual(
      nextSeedTrials(st, spec, 'p1').map((t) => [t.proposalId, t.seed]),
      [['p1', 1002]],
    );
    const foreignSpec = withPairing(testSpec(foreign, { rungTokens: RUNGS, maxSeeds: 5 }));
    const f = session(foreign, [1000, 1001, 1002]);
    assert.deepEqual(
      nextSeedTrials(f, foreignSpec, 'p1').map((t) => [t.proposalId, t.seed]),
      [['p1', 1003]],
    );
    const code = session(reference, [1000, 1001, 1002], { change: { kind: 'code', edits: [] } });
    assert.equal(nextSeedTrials(code, spec, 'p1').length, 1);
  });

  it("starts one half of a look's pair under a FLOPs budget only when it pays for both", () => {
    const spec = withPairing(testSpec(reference, { rungTokens: RUNGS, maxSeeds: 5 }));
    const st = session(reference, [1000, 1001, 1002]);
    nextSeedTrials(st, spec, 'p1');
    const perToken = 1;
    const one = RUNGS[1] * perToken;
    assert.equal(
      nextWork(st, spec, Infinity, 2, { flops: { left: 1.5 * one, perToken }, reserve: false }),
      undefined,
    );
    const item = nextWork(st, spec, Infinity, 2, { flops: { left: 2 * one, perToken }, reserve: false });
    assert.equal(item?.trial.proposalId, BASELINE); // the base's half first: base seeds come first
  });

  it("runs a re-based base's half of a look's pair, which is no lower-rung filler", () => {
    const spec = withPairing(testSpec(reference, { rungTokens: RUNGS, maxSeeds: 5 }));
    const st = session(reference, [1000, 1001, 1002]);
    st.rebases = [
      {
        from: BASELINE,
        to: 'p1',
        at: '',
        evidence: { delta: -0.004, ci95: [-0.006, -0.002], n: 3, nBase: 3, p: 0.01 },
        seedTrials: st.trials.filter((t) => t.proposalId === 'p1').map((t) => t.id),
      },
    ];
    st.base = 'p1';
    st.proposals[1].status = 'concluded';
    st.proposals.push(proposalState('p2', withLr(reference, 0.0124), { baseId: 'p1' }));
    for (const s of [1000, 1001, 1002]) {
      const t = newTrial(st, 'p2', s, s === 1000 ? 'explore' : 'seeds', 1);
      t.results['1'] = 2.49 + SEED[s];
      t.status = 'done';
    }
    const [mine, theirs] = nextSeedTrials(st, spec, 'p2');
    assert.equal(theirs.proposalId, 'p1');
    assert.equal(nextWork(st, spec, Infinity, 2, { reserve: false })?.trial, theirs);
    // once the candidate has its verdict (or is dropped), its base's half has nothing to pair with
    st.proposals[2].status = 'dropped';
    mine.status = 'cancelled';
    assert.equal(nextWork(st, spec, Infinity, 2, { reserve: false }), undefined);
  });
});
