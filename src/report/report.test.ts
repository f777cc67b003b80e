/**
 * The report's pure parts: escaping, axis ticks, and a whole report rendered from a hand-made session
 * that has every optional part (a multiplier per win, a size ladder, an attribution, a mixture study),
 * so each of those charts is drawn; and one that has none, so each is left out with its reason.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SessionRecord } from '../store/base.ts';
import { escapeMarkdown, escapeMarkdownBlock, escapeXml } from './escape.ts';
import type { ReportInput } from './model.ts';
import { renderReport } from './render.ts';
import { logScale, niceTicks } from './svg/scale.ts';

function session(summary: Record<string, unknown>, state: Record<string, unknown> = {}): SessionRecord {
  return {
    id: 's-test',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T01:00:00.000Z',
    status: 'completed',
    researcher: 'claude',
    executor: 'local',
    parallel: 2,
    spec: { rungTokens: [1000, 3000] },
    state,
    summary,
  };
}

const input = (s: SessionRecord, extra: Partial<ReportInput> = {}): ReportInput => ({
  session: s,
  runs: [],
  journal: [],
  findings: [],
  curves: {},
  comparableRuns: [],
  now: '2026-01-01T02:00:00.000Z',
  ...extra,
});

const full = session({
  rungTokens: [1000, 3000],
  baseline: { valBpb: 3, std: 0.01, n: 3, rung: 1, tokens: 3000 },
  best: {
    proposalId: 'p1',
    title: 'RoPE + beta2',
    valBpb: 2.9,
    delta: -0.1,
    ci95: [-0.12, -0.08],
    n: 3,
    verdict: 'win',
    confirmed: true,
    change: { kind: 'config', set: { 'model.rope': true, 'optim.beta2': 0.99 } },
    computeMultiplier: { value: 1.6, ci95: [1.3, 2.1], text: '1.6x' },
    ladder: [
      {
        params: 2e6,
        tokens: 4e7,
        delta: -0.08,
        ci95: [-0.1, -0.06],
        computeMultiplier: null,
        verdict: 'holds',
      },
      {
        params: 8e6,
        tokens: 1.6e8,
        delta: -0.03,
        ci95: [-0.06, 0.0],
        computeMultiplier: null,
        verdict: 'shrinks',
      },
    ],
    attribution: [
      { key: 'model.rope', value: true, delta: -0.09, ci95: [-0.11, -0.07] },
      { key: 'optim.beta2', value: 0.99, delta: -0.004, ci95: [-0.02, 0.012] },
    ],
  },
  wins: [{ proposalId: 'p1', title: 'RoPE + beta2', delta: -0.1, ci95: [-0.12, -0.08] }],
  llm: { calls: 7, inputTokens: 12000, outputTokens: 3000, costUsd: 0.123 },
  computeUsed: 1e15,
});

describe('report rendering', () => {
  it('escapes markup and Markdown syntax in researcher text', () => {
    assert.equal(escapeXml('<script>"x"&\'y\''), '&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;');
    assert.equal(escapeXml('a\u0000b'), 'a\uFFFDb');
    const md = escapeMarkdown(
      '[x](javascript:alert(1)) ![i](http://e.com/a.png) <b>hi</b> www.evil.com\n# h',
    );
    // a `](` counts only when its `]` is not backslash-escaped (an odd run of backslashes before it)
    assert.doesNotMatch(md, /(^|[^\\])(\\\\)*\]\(|<b>|http:\/\/|www\.evil|\n/);
    assert.match(md, /^\\\[x\\\]\(javascript/);
    assert.equal(escapeMarkdownBlock('1. item\n# heading\n- list'), '1\\. item  \n\\# heading  \n\\- list');
  });

  it('places ticks on round numbers, decades on a log axis', () => {
    assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(2.93, 3.01, 4), [2.94, 2.96, 2.98, 3]);
    assert.deepEqual(logScale([1e6, 1e9], [0, 100]).ticks(), [1e6, 1e7, 1e8, 1e9]);
  });

  it('draws the multiplier, ladder, attribution and mixture charts when the session has them', () => {
    const r = renderReport(
      input(full, {
        mixture: {
          predicted: { news: 0.5, code: 0.2, fiction: 0.3 },
          current: { news: 0.34, code: 0.33, fiction: 0.33 },
          predictedValBpb: 2.95,
          heldOutRmse: 0.012,
          n: 24,
          points: [
            { predicted: 3.0, observed: 3.01 },
            { predicted: 2.97, observed: 2.96 },
          ],
        },
      }),
    );
    const ids = r.plots.map((p) => p.id);
    for (const id of ['compute-multipliers', 'size-ladder', 'attribution', 'mixture-weights', 'mixture-fit'])
      assert.ok(ids.includes(id), `${id} in ${ids.join()}`);
    assert.ok(r.plots.every((p) => p.marks > 0));
    assert.match(r.html, /1\.60× \[1\.30, 2\.10\]/);
    assert.match(r.html, /\$0\.1230 over 7 call\(s\)/);
    assert.match(r.markdown, /!\[Attribution of the best change, per knob\]\(attribution\.svg\)/);
    assert.match(r.svgs.find((s) => s.file === 'attribution.svg')!.svg, /model\.rope = true/);
  });

  it("reads cost from the journal and scale from the best's finding when the summary lacks them", () => {
    const s = session({
      best: { proposalId: 'p2', title: 'muon', valBpb: 2.9, n: 3, verdict: 'win', confirmed: true },
      wins: [{ proposalId: 'p2', title: 'muon', delta: -0.05, ci95: [-0.07, -0.03] }],
    });
    const llm = (costUsd: number) => ({
      sessionId: 's-test',
      kind: 'llm' as const,
      title: 'call',
      data: { costUsd, inputTokens: 100, outputTokens: 10 },
    });
    const r = renderReport(
      input(s, {
        journal: [llm(0.01), llm(0.02)],
        findings: [
          {
            id: 's-test-p2',
            sessionId: 's-test',
            title: 'muon: better',
            statement: 'muon helps',
            confirmed: true,
            runIds: [],
            scale: {
              computeMultiplier: { value: 1.4, ci95: [1.2, 1.7] },
              ladder: [{ params: 1e7, tokens: 2e8, delta: -0.04, ci95: [-0.06, -0.02], verdict: 'holds' }],
            },
          },
        ],
      }),
    );
    assert.match(r.html, /\$0\.0300 over 2 call\(s\), 200 input \/ 20 output tokens/);
    const ids = r.plots.map((p) => p.id);
    assert.ok(ids.includes('compute-multipliers') && ids.includes('size-ladder'), ids.join());
  });

  it('leaves out each absent part with a one-line reason', () => {
    const r = renderReport(input(session({})));
    assert.equal(r.plots.length, 0);
    const reasons = Object.fromEntries(r.omitted.map((o) => [o.id, o.reason]));
    assert.match(reasons.attribution, /not run in this session/);
    assert.match(reasons.mixture, /not run in this session/);
    assert.match(reasons.kills, /stopped no run/);
    assert.match(reasons.importance, /needs ≥10 comparable runs/);
    assert.match(r.html, /not run in this session/);
  });

  it('renders hostile text as text in HTML, SVG and Markdown', () => {
    const evil = '<script>alert(1)</script></svg><img src=x onerror=alert(2)>[c](javascript:alert(3))';
    const s = session(
      {
        ...full.summary,
        best: { ...(full.summary.best as object), title: evil },
        wins: [{ proposalId: 'p1', title: evil, delta: -0.1, ci95: [-0.12, -0.08] }],
      },
      {
        proposals: [
          {
            id: 'p1',
            title: evil,
            hypothesis: evil,
            change: { kind: 'config', set: { [evil]: evil } },
            status: 'concluded',
            verdict: 'win',
          },
        ],
      },
    );
    const r = renderReport(
      input(s, { journal: [{ sessionId: 's-test', seq: 1, kind: 'note', title: evil, body: evil }] }),
    );
    for (const text of [r.html, ...r.svgs.map((x) => x.svg)]) {
      // `<` in text is escaped, so every `<` left opens one of our own tags: none with a script or a URL
      assert.doesNotMatch(text, /<(script|img|iframe|object|embed|link|a|foreignObject)[\s>]/i);
      assert.doesNotMatch(text, /<[a-z][^>]*\s(on\w+|src|href|xlink:href)\s*=/i);
    }
    assert.match(r.html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.doesNotMatch(r.markdown, /<script|<img|(^|[^\\])(\\\\)*\]\(javascript/i);
  });
});
