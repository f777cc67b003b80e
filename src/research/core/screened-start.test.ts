import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../config/resolve.ts';
import type { TrainConfig } from '../../config/train-config.ts';
import { tryApply } from '../../researchers/config-diff.ts';
import { SCREEN_PACE_CHECK_SOURCE, SCREEN_STACK_SOURCE } from '../../researchers/screening-design.ts';
import type { PastSession } from './noise-history.ts';
import { screenedStart } from './screened-start.ts';

const preset = resolveConfig({ preset: 'tiny' });
const STACK = { 'model.position': 'rope', 'model.tiedEmbeddings': false, 'schedule.name': 'wsd' };
const TITLE = 'Screened stack: Rotary position embeddings + Untied head + WSD';

const apply = (base: TrainConfig, set: Record<string, unknown>): TrainConfig => {
  const c = tryApply(base, set);
  assert.ok(c, `applies: ${JSON.stringify(set)}`);
  return c;
};

/** A stored session on `base` whose proposals are given (id, source, verdict, confirmed, change, baseId). */
function past(id: string, proposals: Array<Record<string, unknown>>, base = preset): PastSession {
  return { id, spec: { baseConfig: base }, state: { proposals } };
}

const stack = (extra: Record<string, unknown> = {}) => ({
  id: 'p12',
  title: TITLE,
  source: SCREEN_STACK_SOURCE,
  verdict: 'win',
  confirmed: true,
  change: { kind: 'config', set: STACK },
  ...extra,
});

describe('a start that holds an earlier screen', () => {
  it("finds the newest session whose won screened stack the start holds, by the stack's values", () => {
    const start = apply(apply(preset, STACK), { 'model.logitSoftcap': 15 }); // and a later win on it
    const found = screenedStart([past('s2', [stack()]), past('s1', [])], start);
    assert.deepEqual(found, { session: 's2', title: TITLE });
  });

  it('takes the knobs a won pace check set back as the stack has them', () => {
    const check = {
      id: 'p14',
      source: SCREEN_PACE_CHECK_SOURCE,
      verdict: 'win',
      confirmed: true,
      baseId: 'p12',
      change: { kind: 'config', set: { 'schedule.name': preset.schedule.name } },
    };
    const start = apply(preset, { 'model.position': 'rope', 'model.tiedEmbeddings': false });
    assert.equal(
      screenedStart([past('s1', [stack()])], start),
      undefined,
      'without the check: WSD is missing',
    );
    assert.equal(screenedStart([past('s1', [stack(), check])], start)?.session, 's1');
  });

  it('is nothing for a stack that lost, was not confirmed, a knob the start lacks, or a source not the study', () => {
    const start = apply(preset, STACK);
    for (const [why, s] of [
      ['lost', stack({ verdict: 'inconclusive', confirmed: false })],
      ['unconfirmed', stack({ confirmed: false })],
      ['a model researcher', stack({ source: 'claude' })],
      ['a code change', stack({ change: { kind: 'code', set: STACK } })],
    ] as const)
      assert.equal(screenedStart([past('s1', [s])], start), undefined, why);
    const partly = apply(preset, { 'model.position': 'rope', 'schedule.name': 'wsd' });
    assert.equal(screenedStart([past('s1', [stack()])], partly), undefined, 'the untied head is not in it');
  });

  it('reads only earlier sessions on the same data', () => {
    const elsewhere = { ...preset, data: { ...preset.data, dir: '/somewhere/else/other-corpus' } };
    const start = apply(preset, STACK);
    assert.equal(screenedStart([past('s1', [stack()], elsewhere)], start), undefined);
    assert.equal(screenedStart([past('s1', [stack()])], start)?.session, 's1');
  });
});
