/**
 * The size ladder end to end on the synthetic trainer (real processes, store, scheduler and statistics;
 * the planted effect holds at every size, so the truth is known): a confirmed win climbs one larger
 * size against the baseline, the summary and the finding carry the verdict, and a win that flipped is
 * not where the next session starts.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { rememberedStart } from '../src/research/setup.ts';
import type { Store } from '../src/store/base.ts';
import {
  configProposal,
  makeSession,
  ScriptedResearcher,
  synthConfig,
  synthStore,
  tempHome,
  tempStore,
} from './helpers/research-fixtures.ts';

describe('size ladder on the synthetic trainer', () => {
  let store: Store;
  synthStore('fw-ladder-', {}, (s) => (store = s));

  it('a planted win climbs a larger size against the baseline and holds; the summary, journal and finding say so', async () => {
    process.env.FLYWHEEL_SYNTH_EFFECTS = JSON.stringify({ 'optim.lr<': [0.002, -0.08] });
    const researcher = new ScriptedResearcher([configProposal('lower LR', { 'optim.lr': 0.001 }, -0.02)]);
    const { session, executor } = await makeSession({
      store,
      researcher,
      base: synthConfig(),
      parallel: 2,
      spec: { ladder: 1 },
    });
    const s = await session.run();
    await executor.close();
    const win = session.state.proposals.find((p) => p.title === 'lower LR')!;
    assert.equal(win.verdict, 'win', JSON.stringify(win.stats));
    assert.equal(s.best?.proposalId, win.id);
    assert.ok(s.best?.ladder, s.best?.ladderReason ?? '');
    assert.equal(s.best.ladder.length, 1);
    const [e] = s.best.ladder;
    assert.equal(e.verdict, 'holds', JSON.stringify(e));
    assert.ok(e.params > 0 && e.tokens > 12288, 'a larger model on more tokens');
    assert.ok(e.delta! < -0.04 && e.ci95![1] < 0, JSON.stringify(e));
    const ladderTrials = session.state.trials.filter((t) => t.purpose === 'ladder');
    assert.equal(ladderTrials.length, 4, '2 seeds a side');
    assert.ok(ladderTrials.every((t) => t.status === 'done' && Object.keys(t.results).length === 0));
    const baseSeeds = session.state.trials.filter(
      (t) => t.proposalId === (s.baseline.proposalId ?? 'baseline') && t.purpose !== 'ladder',
    );
    assert.ok(s.baseline.n <= baseSeeds.length, 'the ladder baseline runs are not noise-floor seeds');
    const runs = await store.listRuns({ sessionId: session.id, fields: 'list' });
    const ladderRuns = runs.filter((r) => r.tags.purpose === 'ladder');
    assert.equal(ladderRuns.length, 4);
    assert.ok(
      ladderRuns.every((r) => r.config.model.depth === 3),
      'run at the ladder size',
    );
    const journal = await store.listJournal(session.id);
    assert.ok(journal.some((j) => j.kind === 'conclusion' && /holds at [\d.]+M params/.test(j.title)));
    const [finding] = (await store.listFindings({ sessionId: session.id })).filter((f) => f.confirmed);
    assert.equal(finding.scale?.ladder?.[0]?.verdict, 'holds');
    assert.match(finding.statement, /Size ladder: holds at/);
  });

  it('a win that flipped at a larger size is not where the next session starts', async () => {
    // a store of its own: the first test's session re-based, and a re-based session's base comes first
    const store = await tempStore(tempHome('fw-ladder-flip-'));
    after(() => store.close());
    const config = synthConfig();
    const f = (id: string, effect: number, verdict: 'holds' | 'flips') => ({
      id,
      sessionId: 's-next',
      title: id,
      statement: id,
      change: { kind: 'config' as const, set: {} },
      effect,
      confirmed: true,
      config: { ...config, seed: effect < -0.05 ? 1 : 2 },
      runIds: [],
      scale: { ladder: [{ params: 1, tokens: 1, delta: 0, ci95: [0, 0] as [number, number], verdict }] },
    });
    await store.addFinding(f('s-next-p1', -0.03, 'holds'));
    await store.addFinding(f('s-next-p2', -0.08, 'flips'));
    const start = await rememberedStart(store);
    assert.equal(start?.source, 'finding:s-next-p1', 'the larger win flipped: the one that held');
  });
});
