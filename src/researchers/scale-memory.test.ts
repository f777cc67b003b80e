import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { describeScale } from '../analysis/scale-words.ts';
import { resolveConfig } from '../config/resolve.ts';
import { buildDigest } from '../research/core/digest.ts';
import { created } from '../research/core/transitions.ts';
import type { FindingRecord, FindingScale, Store } from '../store/base.ts';
import { openStore } from '../store/open.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';
import { IDEA_LIBRARY } from './idea-library.ts';
import { OfflineResearcher } from './offline.ts';
import { compactDigest } from './prompts.ts';
import { testSpec } from '../../test/helpers/test-spec.ts';

const base = resolveConfig({ preset: 'tiny' });
const HELD: FindingScale = {
  computeMultiplier: { value: 1.31, ci95: [1.22, 1.4] },
  ladder: [
    { params: 4e5, tokens: 1e6, delta: -0.02, ci95: [-0.03, -0.01], verdict: 'holds' },
    { params: 1.2e6, tokens: 3e6, delta: -0.018, ci95: [-0.026, -0.01], verdict: 'holds' },
  ],
};
const FLIPPED: FindingScale = {
  ladder: [{ params: 1.2e6, tokens: 3e6, delta: 0.012, ci95: [0.004, 0.02], verdict: 'flips' }],
};
const ATTRIBUTED: FindingScale = {
  attribution: [
    { key: 'model.position', value: 'rope', delta: -0.04, ci95: [-0.052, -0.028] },
    { key: 'optim.beta2', value: 0.95, delta: 0.001, ci95: [-0.003, 0.004] },
  ],
};

const finding = (
  id: string,
  title: string,
  set: Record<string, unknown>,
  scale: FindingScale,
): FindingRecord => ({
  id,
  sessionId: 'earlier',
  title: `${title}: better than the baseline`,
  statement: `${title} won.`,
  change: { kind: 'config', set },
  effect: -0.02,
  ci95: [-0.03, -0.01],
  confirmed: true,
  runIds: ['r1'],
  scale,
});

let store: Store;
let home: string;
before(async () => {
  home = tempDir('fw-scale-memory-');
  store = await openStore({ home });
  await store.addFinding(finding('f1', 'Rotary position embeddings', { 'model.position': 'rope' }, FLIPPED));
  await store.addFinding(finding('f2', 'QK-norm', { 'model.qkNorm': true }, HELD));
  await store.addFinding(finding('f3', 'Stack: RoPE + beta2', { 'optim.beta2': 0.95 }, ATTRIBUTED));
});
after(async () => {
  await store.close();
  rmSync(home, { recursive: true, force: true });
});

async function digest() {
  const spec = testSpec(base, {
    researcher: 'offline',
    parallel: 1,
    rungTokens: [4096],
    tokPerSec: 1000,
    startupSeconds: 1,
  });
  const findings = await store.listFindings({ limit: 50 });
  // a new session's state: the baseline proposal and its seeds (the digest reads the current base)
  const { state } = created(
    { sessionId: 'now', spec, baseConfig: base, baseFlopsPerToken: 1000 },
    { now: '2026-01-01T00:00:00.000Z' },
  );
  return buildDigest('now', state, spec, base, findings, [], 1000, 0);
}

describe('findings that compound across sessions', () => {
  it('says a finding’s multiplier, ladder and attribution in words', () => {
    assert.equal(
      describeScale(HELD),
      'worth 1.31× compute [1.22, 1.40]; held at 2 larger sizes (up to 1.2M params)',
    );
    assert.equal(describeScale(FLIPPED), 'flipped at 1.2M params (0.012 [0.004, 0.020])');
    assert.equal(
      describeScale(ATTRIBUTED),
      'position=rope: −0.040 [−0.052, −0.028]; beta2=0.95: noise [−0.003, 0.004]',
    );
    assert.equal(describeScale({}), undefined);
  });

  it('puts the stored scale evidence in the digest and the LLM’s compact digest', async () => {
    const d = await digest();
    const rope = d.findings.find((f) => f.id === 'f1');
    assert.deepEqual(rope?.scale, FLIPPED);
    assert.match(rope?.scaleText ?? '', /flipped at 1\.2M params/);
    const text = compactDigest(d);
    assert.match(text, /held at 2 larger sizes/);
    assert.match(text, /position=rope: −0\.040 \[−0\.052, −0\.028\]; beta2=0\.95: noise/);
  });

  it('tries ideas that held at larger sizes first and ideas that flipped last', async () => {
    const d = await digest();
    const library = IDEA_LIBRARY.filter((i) => ['rope', 'qk-norm', 'softcap-30'].includes(i.id));
    const r = new OfflineResearcher({ seed: 1, library, exploreEvery: 0 });
    const props = await r.propose(d, 3);
    assert.equal(props.length, 3);
    assert.equal(props[0].title, 'QK-norm');
    assert.equal(props[2].title, 'Rotary position embeddings');
    assert.match(
      props[0].hypothesis,
      /Session earlier: worth 1\.31× compute .*held at 2 larger sizes.*tried first/,
    );
    assert.match(props[2].hypothesis, /flipped at 1\.2M params.*tried last/);
    assert.ok(props[2].tags?.includes('scale:flipped'));
  });
});
