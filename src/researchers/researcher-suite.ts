/**
 * The shared researcher suite: every researcher (offline, Claude, OpenAI-compatible) must pass it, so a
 * new one is one file plus one line (ARCHITECTURE.md "Where to add …"). It checks the Researcher
 * contract of base.ts from the outside: proposals are well formed and admissible, an idea the digest
 * lists as tried is never proposed again, feedback is taken, a review only names what it was shown,
 * usage is honest, and a curve judgement (where the researcher gives them) is about the run it was
 * shown. No training runs here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../config/resolve.ts';
import { DEFAULT_SEARCH_SPACE } from '../config/search-space.ts';
import type { TrainConfig } from '../config/train-config.ts';
import { admitProposal } from '../research/core/proposals.ts';
import { DEFAULT_NOISE_KEYS } from '../stats/seed-only.ts';
import type { CurveCase, Digest, Proposal, ProposeContext, Researcher, ResultSummary } from './base.ts';

/** An ambiguous curve as the engine puts it: a run well behind the band on val and train (src/monitor/case.ts). */
export const SUITE_CURVE_CASE: CurveCase = {
  runId: 'r-suite-1',
  label: 'p1 (Halve the learning rate) explore rung 0 seed 1001',
  budgetTokens: 40_960,
  rules: [
    { rule: 'nan', action: 'continue' },
    { rule: 'cannot-catch-up', action: 'stop', message: 'cannot reach the band', evidence: {} },
    { rule: 'behind-baseline', action: 'continue' },
  ],
  reasons: [
    'cannot-catch-up says stop but behind-baseline says continue, and the run is within 5 % of the band',
  ],
  signals: {
    progress: 0.2,
    evalZ: 8,
    evalVsBandMean: 0.14,
    evalRel: 0.048,
    trainVsBandMean: 0.35,
    lrRatio: 1,
  },
  train: [
    { tokens: 2048, loss: 9, lr: 0.001, gradNorm: 3 },
    { tokens: 8192, loss: 6.1, lr: 0.002, gradNorm: 1 },
  ],
  eval: [
    { tokens: 8192, valBpb: 3.1, band: { mean: 2.96, std: 0.017 }, byDomain: { code: 2.5, sentences: 3.4 } },
  ],
};

export function suiteDigest(base: TrainConfig, tried: Digest['tried'] = []): Digest {
  return {
    sessionId: 's-suite',
    goal: 'valBpb',
    baselineConfig: base,
    baseline: { mean: 3, std: 0.01, n: 3 },
    noiseFloor: [{ rung: 0, budgetTokens: 4096, std: 0.01, n: 3 }],
    best: undefined,
    recent: [],
    findings: [],
    tried,
    rejected: [],
    searchSpace: DEFAULT_SEARCH_SPACE,
    budget: { usedFlops: 0, usedSeconds: 0 },
  };
}

/** What the engine hands every turn: notes and journal entries (cost lines) go to the session's journal. */
const ctx: ProposeContext = { note: () => undefined, journal: () => undefined };

const admit = (p: Proposal, base: TrainConfig) =>
  admitProposal(p, base, {
    searchSpace: DEFAULT_SEARCH_SPACE,
    noiseKeys: DEFAULT_NOISE_KEYS,
    triedKeys: new Map(),
  });

export function runResearcherSuite(
  name: string,
  make: () => Researcher | Promise<Researcher>,
  opts: { skip?: string } = {},
): void {
  describe(`researcher suite: ${name}`, { skip: opts.skip }, () => {
    const base = resolveConfig({ preset: 'tiny' });

    it('proposes at most n well-formed proposals, each admissible against the digest', async () => {
      const r = await make();
      const props = await r.propose(suiteDigest(base), 2, ctx);
      assert.ok(Array.isArray(props) && props.length >= 1 && props.length <= 2, `${props.length} proposals`);
      for (const p of props) {
        assert.ok(typeof p.title === 'string' && p.title.trim(), 'a title');
        assert.ok(typeof p.hypothesis === 'string', 'a hypothesis');
        assert.ok(Number.isFinite(p.expectedEffect), 'a finite expected effect');
        assert.ok(typeof p.source === 'string' && p.source, 'a source');
        const a = admit(p, base);
        assert.ok(a.ok, `${p.title}: ${a.ok ? '' : a.reason}`);
      }
    });

    it('never proposes an idea the digest lists as tried', async () => {
      const first = await (await make()).propose(suiteDigest(base), 2, ctx);
      const tried = first.flatMap((p) => {
        const a = admit(p, base);
        return a.ok ? [{ key: a.key, title: p.title }] : [];
      });
      assert.ok(tried.length > 0);
      const again = await (await make()).propose(suiteDigest(base, tried), 2, ctx);
      const keys = new Set(tried.map((t) => t.key));
      for (const p of again) {
        const a = admit(p, base);
        assert.ok(!a.ok || !keys.has(a.key), `${p.title} was tried already`);
      }
    });

    it('takes feedback, and a review names only the proposals it was shown', async () => {
      const r = await make();
      const [p] = await r.propose(suiteDigest(base), 1, ctx);
      const result: ResultSummary = {
        proposalId: 'p1',
        title: p.title,
        change: p.change,
        source: p.source,
        rung: 0,
        status: 'completed',
        valBpb: { mean: 2.99, std: 0, n: 1 },
        delta: -0.01,
        runIds: ['r1'],
      };
      r.observe?.(result);
      if (!r.review) return;
      const d = await r.review(0, [result], suiteDigest(base), ctx);
      for (const id of [...(d?.promote ?? []), ...(d?.drop ?? [])]) assert.equal(id, 'p1');
    });

    it('judges an ambiguous curve, where it can, only about the run it was shown', async () => {
      const r = await make();
      if (!r.judgeCurve) return; // optional: without it the engine's rules decide
      const j = await r.judgeCurve(SUITE_CURVE_CASE, suiteDigest(base), ctx);
      if (!j) return; // no opinion is allowed
      assert.equal(j.runId, SUITE_CURVE_CASE.runId);
      assert.ok(['keep', 'kill', 'flag'].includes(j.call), j.call);
      assert.ok(typeof j.reason === 'string' && j.reason.trim(), 'a reason');
    });

    it('still proposes when the engine refuses its asks (request_ablation, stop_run), and asks only through ctx.engine', async () => {
      const asks: string[] = [];
      const refuse = async (what: string) => {
        asks.push(what);
        return { ok: false, message: 'refused: not in this suite' };
      };
      const engine = {
        requestAblation: (id: string) => refuse(`ablate ${id}`),
        stopRun: (id: string) => refuse(`stop ${id}`),
      };
      const props = await (await make()).propose(suiteDigest(base), 2, { ...ctx, engine });
      assert.ok(props.length >= 1, 'a refused ask does not end the turn');
      for (const p of props) assert.ok(admit(p, base).ok, p.title);
      for (const a of asks) assert.match(a, /^(ablate|stop) [A-Za-z0-9_.:-]{1,80}$/);
    });

    it('reports its own cost as non-negative counts', async () => {
      const r = await make();
      await r.propose(suiteDigest(base), 1, ctx);
      const u = r.usage?.();
      if (!u) return;
      for (const k of ['inputTokens', 'outputTokens', 'costUsd', 'calls'] as const)
        assert.ok(Number.isFinite(u[k]) && u[k] >= 0, `${k}=${u[k]}`);
    });
  });
}
