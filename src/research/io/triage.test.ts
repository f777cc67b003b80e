import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SEARCH_SPACE } from '../../config/search-space.ts';
import type { Proposal } from '../../researchers/base.ts';
import type { Store } from '../../store/base.ts';
import { openStore } from '../../store/open.ts';
import { DEFAULT_NOISE_KEYS } from '../../stats/seed-only.ts';
import { HISTORY_BASE, HISTORY_RUNGS, storeRun } from '../../../test/helpers/history-store.ts';
import { tempDir } from '../../../test/helpers/temp-dir.ts';
import { admitProposal } from '../core/proposals.ts';
import type { SessionSpec } from '../core/spec.ts';
import { triage, triageLine } from './triage.ts';

let store: Store;
let home: string;
before(async () => {
  home = tempDir('fw-triage-');
  store = await openStore({ home });
  let n = 0;
  for (const v of [2.99, 3.0, 3.01]) await storeRun(store, { id: `b${n++}`, session: 'now', valBpb: v });
  // an earlier session measured qkNorm as a clear loss and relu2 as a clear win, 3 seeds each
  for (const s of [0, 0.005, -0.005]) {
    await storeRun(store, { id: `q${n++}`, session: 'old', set: { 'model.qkNorm': true }, valBpb: 3.06 + s });
    await storeRun(store, {
      id: `a${n++}`,
      session: 'old',
      set: { 'model.activation': 'gelu' },
      valBpb: 2.96 + s,
    });
  }
});
after(async () => {
  await store.close();
  rmSync(home, { recursive: true, force: true });
});

const proposal = (title: string, set: Record<string, unknown>, expectedEffect: number): Proposal => ({
  title,
  hypothesis: 'a hypothesis',
  change: { kind: 'config', set },
  expectedEffect,
  source: 'test',
});

describe('triage from history', () => {
  it('ranks by the gain per FLOP earlier runs measured, not only by the stated expectation', async () => {
    const s = {
      store,
      sessionId: 'now',
      baseConfig: HISTORY_BASE,
      spec: { searchSpace: DEFAULT_SEARCH_SPACE, rungTokens: HISTORY_RUNGS } as SessionSpec,
    };
    const props = [
      proposal('QK-norm', { 'model.qkNorm': true }, -0.05), // stated best, measured worse
      proposal('Warmup', { 'schedule.warmupTokens': 8192 }, -0.01), // never run: its statement stands
      proposal('GELU', { 'model.activation': 'gelu' }, -0.005), // stated small, measured -0.04
    ];
    const dry = props.map((p) => ({
      proposal: p,
      dry: admitProposal(p, HISTORY_BASE, {
        searchSpace: DEFAULT_SEARCH_SPACE,
        noiseKeys: DEFAULT_NOISE_KEYS,
        triedKeys: new Map(),
      }),
    }));
    assert.ok(dry.every((d) => d.dry.ok));
    const { ranked, history } = await triage(s, dry);
    assert.deepEqual(
      ranked.map((t) => t.proposal.title),
      ['GELU', 'Warmup', 'QK-norm'],
    );
    assert.ok(history && history.runs >= 9);
    const gelu = ranked[0].effect!;
    assert.ok(gelu.estimate < -0.03 && gelu.evidence!.runs >= 3, JSON.stringify(gelu));
    assert.equal(ranked[1].effect?.estimate, -0.01);
    assert.ok(ranked[2].effect!.estimate > 0);
    assert.match(triageLine(ranked[0]), /GELU: stated −0\.005, history −0\.04\d from 3\.0 similar run/);
    assert.match(triageLine(ranked[1]), /no comparable run/);
  });
});
