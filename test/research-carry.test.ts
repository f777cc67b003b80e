/**
 * The next session starts from the last one's base without buying its runs again (core/carried-base.ts):
 * two sessions in one store on the synthetic trainer (real processes, real run records), the first
 * re-basing onto a planted win, the second starting from that win with the runs the first made of it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { carriedBaseRuns, rememberedStart } from '../src/research/setup.ts';
import type { Store } from '../src/store/base.ts';
import {
  configProposal,
  makeSession,
  ScriptedResearcher,
  synthConfig,
  synthStore,
} from './helpers/research-fixtures.ts';

const RUNGS = [4096, 12288];

describe("a session carries its base's runs from the session before", () => {
  let store: Store;
  synthStore('fw-carry-', { effects: { 'optim.lr<': [0.002, -0.08] } }, (s) => (store = s));

  it("runs only what the last session's winner lacks, and its baseline holds the winner's values", async () => {
    const first = await makeSession({
      store,
      researcher: new ScriptedResearcher([configProposal('LR 0.0012', { 'optim.lr': 0.0012 }, -0.02)]),
      base: synthConfig(),
    });
    await first.session.run();
    await first.executor.close();
    const win = first.session.state.rebases?.[0]?.to;
    assert.ok(win, 'the first session re-based onto the planted win');

    const start = await rememberedStart(store);
    assert.equal(start?.config.optim.lr, 0.0012);
    const carried = await carriedBaseRuns(store, start!.config, RUNGS, { seedBase: 1000, baselineSeeds: 3 });
    // what the first session ran of the winner, by seed and rung
    const made = new Map(
      first.session.state.trials
        .filter((t) => t.proposalId === win)
        .flatMap((t) =>
          Object.entries(t.rungRuns).map(([r, id]) => [`${t.seed}@${r}`, { id, v: t.results[r] }]),
        ),
    );
    assert.ok(carried.length >= 5, `carried ${carried.length} of ${made.size}`);
    for (const c of carried) {
      const m = made.get(`${c.seed}@${c.rung}`);
      assert.ok(m, `carried ${c.seed}@${c.rung}, which the first session did not run of its winner`);
      assert.equal(c.runId, m.id);
      assert.equal(c.value, m.v);
    }
    // a session at other rungs carries nothing (another run config)
    assert.deepEqual(
      await carriedBaseRuns(store, start!.config, [4096, 16384], { seedBase: 1000, baselineSeeds: 3 }),
      [],
    );

    const second = await makeSession({
      store,
      researcher: new ScriptedResearcher([]),
      base: start!.config,
      spec: { carriedBase: carried, baselineSeeds: 3 },
    });
    const s = await second.session.run();
    await second.executor.close();
    const own = await store.listRuns({ sessionId: second.session.id });
    const ran = new Set(own.map((r) => `${r.seed}@${r.tags.rung}`));
    for (const c of carried) assert.ok(!ran.has(`${c.seed}@${c.rung}`), `${c.seed}@${c.rung} was run again`);
    const base = second.session.state.trials.filter((t) => t.proposalId === 'baseline');
    // the first two base seeds have a value at every rung, the third at the top (and below where it
    // was carried: core/carried-base.ts), and none was bought twice
    const has = (seed: number, rung: number) => carried.some((c) => c.seed === seed && c.rung === rung);
    const needed = [
      [1000, 0],
      [1000, 1],
      [1001, 0],
      [1001, 1],
      [1002, 1],
    ] as const;
    for (const seed of [1000, 1001, 1002]) {
      const t = base.find((x) => x.seed === seed)!;
      const want = seed < 1002 || has(seed, 0) ? ['0', '1'] : ['1'];
      assert.deepEqual(Object.keys(t.results).sort(), want, `seed ${seed}: ${JSON.stringify(t)}`);
    }
    assert.equal(own.length, needed.filter(([seed, rung]) => !has(seed, rung)).length);
    for (const c of carried) {
      const t = base.find((x) => x.seed === c.seed)!;
      assert.equal(t.results[String(c.rung)], c.value);
      assert.equal(t.rungRuns[String(c.rung)], c.runId);
    }
    assert.equal(second.session.state.flopsUsed > 0, own.length > 0, 'only its own runs count as compute');
    const carriedTop = carried.filter((c) => c.rung === 1).length;
    assert.ok(s.baseline.n >= carriedTop, `baseline n ${s.baseline.n}`);
    const journal = await store.listJournal(second.session.id, { kinds: ['baseline'] });
    assert.ok(journal.some((e) => e.title.includes('carried from an earlier session')));
  });
});
