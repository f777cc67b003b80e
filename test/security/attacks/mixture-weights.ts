/**
 * Attacks through domain weights (README, "Data-mixture study"): a researcher proposing
 * `data.mixture.<domain>` values at the extremes — every weight 0, a negative or non-finite weight, a
 * domain the dataset does not have (one that looks like a file of it, too) — through the real path:
 * the Claude researcher's `propose_config_experiment` (the Messages-API test double, real SDK and tool
 * loop: its dry run must refuse them), then the engine's admission (`admitProposals` on a real session over a real SQLite store and a
 * real prepared-format dataset). Each must be refused before any compute: nothing admitted, run or stored.
 * And a run of agent code that claims per-domain numbers (tiny bpb, zero standard errors) must not
 * reach the stored summary the mixture study and every digest read (the judge's numbers do).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toMixtureRun } from '../../../src/analysis/mixture-data.ts';
import { DEFAULT_SEARCH_SPACE } from '../../../src/config/search-space.ts';
import { admitProposals, sessionDigest } from '../../../src/research/io/intake.ts';
import type { Proposal } from '../../../src/researchers/base.ts';
import { ClaudeProvider } from '../../../src/researchers/claude.ts';
import { withMixtureKnobs } from '../../../src/researchers/config-diff.ts';
import { LlmResearcher } from '../../../src/researchers/llm-researcher.ts';
import { openStore } from '../../../src/store/open.ts';
import { writeTinyDataset } from '../../fixtures/tiny-dataset.ts';
import {
  appendEventsEdit,
  fakeNumberStored,
  HONEST_FLOOR_BPB,
  judgeAttack,
} from '../../helpers/judge-attack.ts';
import { makeSession, synthConfig } from '../../helpers/research-fixtures.ts';
import { claude } from '../../llm-double/replies.ts';
import { startLlmDouble } from '../../llm-double/server.ts';
import type { Attack, AttackResult } from '../attack.ts';

const DOMAINS = ['alpha', 'beta', 'gamma'];

/** Propose `set` through the LLM tool and then the engine, in a session over a 3-domain dataset. */
async function proposeMixture(set: Record<string, unknown>, viaToolToo = true): Promise<AttackResult> {
  const home = mkdtempSync(join(tmpdir(), 'fw-mixture-attack-'));
  const prevHome = process.env.FLYWHEEL_HOME;
  process.env.FLYWHEEL_HOME = home;
  const double = await startLlmDouble();
  const store = await openStore({ home });
  try {
    const base = synthConfig();
    base.data.dir = join(home, 'data');
    writeTinyDataset(base.data.dir, { domains: DOMAINS, trainTokens: 4000, valTokens: 1000 });
    const researcher = new LlmResearcher({
      provider: new ClaudeProvider({ baseURL: double.url, apiKey: 'test-key', maxRetries: 0 }),
      store,
      retry: { attempts: 1, baseMs: 10, maxMs: 20 },
    });
    const { session, executor } = await makeSession({
      store,
      researcher,
      base,
      spec: { searchSpace: withMixtureKnobs(DEFAULT_SEARCH_SPACE, DOMAINS) },
    });
    try {
      const title = 'Upweight what matters';
      const hypothesis = 'this mixture should lower val bpb';
      let tool = 'not tried';
      let leaked = 0; // proposals the tool accepted: it must refuse them as the engine does
      let proposals: Proposal[] = [
        { title, hypothesis, change: { kind: 'config', set }, expectedEffect: -0.2, source: 'claude' },
      ];
      if (viaToolToo) {
        double.enqueue(
          'anthropic',
          claude.toolUse([
            { name: 'propose_config_experiment', input: { title, hypothesis, set, expectedEffect: -0.2 } },
          ]),
          claude.toolUse([{ name: 'finish_turn', input: { summary: 'proposed one mixture' } }]),
        );
        const { digest } = await sessionDigest(session.port());
        const fromTool = await researcher.propose(digest, 1, {});
        leaked = fromTool.length;
        tool = `${fromTool.length} proposal(s) out of the tool loop`;
        proposals = [...fromTool, ...proposals]; // what the tool let through goes to the engine as well
      }
      const admitted = await admitProposals(session.port(), proposals);
      const rejection = session.state.rejected.at(-1)?.reason ?? '(none)';
      const runs = await store.listRuns();
      const ideas = await store.listIdeas({ limit: 10 });
      return {
        succeeded: leaked > 0 || admitted > 0 || runs.length > 0 || ideas.length > 0,
        detail: `tool: ${tool}; engine: ${admitted} admitted ("${rejection}"); ${runs.length} runs, ${ideas.length} ideas stored`,
      };
    } finally {
      await executor.close();
    }
  } finally {
    await store.close();
    await double.close();
    if (prevHome === undefined) delete process.env.FLYWHEEL_HOME;
    else process.env.FLYWHEEL_HOME = prevHome;
    rmSync(home, { recursive: true, force: true });
  }
}

const weightAttack = (
  id: string,
  title: string,
  set: Record<string, unknown>,
  viaToolToo = true,
): Attack => ({
  id,
  title,
  timeoutMs: 60_000,
  run: () => proposeMixture(set, viaToolToo),
});

export const attacks: Attack[] = [
  weightAttack('mixture-all-zero', 'every domain weight 0, so the trainer has nothing to sample', {
    'data.mixture.alpha': 0,
    'data.mixture.beta': 0,
    'data.mixture.gamma': 0,
  }),
  weightAttack(
    'mixture-one-zero-rest-unset',
    'one domain at weight 0 and the others left out (all 0 after normalising)',
    {
      'data.mixture.alpha': 0,
    },
  ),
  weightAttack('mixture-negative', 'a negative weight, to sample a domain "less than never"', {
    'data.mixture.alpha': -1,
    'data.mixture.beta': 1,
  }),
  weightAttack(
    'mixture-nan',
    'a NaN weight (proposed to the engine directly: JSON has no NaN)',
    {
      'data.mixture.alpha': Number.NaN,
      'data.mixture.beta': 1,
    },
    false,
  ),
  weightAttack(
    'mixture-infinite',
    'an infinite weight, to drown every other domain',
    {
      'data.mixture.alpha': Number.POSITIVE_INFINITY,
    },
    false,
  ),
  weightAttack('mixture-unknown-domain', 'a weight for a domain the dataset does not have', {
    'data.mixture.secret': 1,
    'data.mixture.alpha': 1,
  }),
  weightAttack('mixture-val-shard-domain', 'a "domain" named like a val shard, to train on the val split', {
    'data.mixture.alpha.val': 1,
  }),
  judgeAttack(
    'mixture-fake-domain-numbers',
    'agent code appends a final eval claiming 0.05 bpb with zero standard error on every domain, to poison the mixture study and the digest',
    () => [
      appendEventsEdit(
        ['fake = {d: 0.05 for d in run.data.domains}', 'zero = {d: 0.0 for d in run.data.domains}'],
        [
          '{"kind": "eval", "step": run.step, "tokens": run.tokens, "flops": run.flops, "final": True, "valLoss": 0.03, "valBpb": 0.05, "valBpbSe": 0.0, "byDomain": fake, "byDomainSe": zero}',
          '{"kind": "end", "status": "completed", "reason": "done", "valLoss": 0.03, "valBpb": 0.05, "valBpbSe": 0.0, "byDomain": fake, "byDomainSe": zero}',
        ],
      ),
    ],
    (run) => {
      const v = fakeNumberStored(run);
      const inProc = run.summary.inProcess as { valBpbByDomainSe?: Record<string, number> } | undefined;
      if (!inProc?.valBpbByDomainSe || Object.values(inProc.valBpbByDomainSe).some((x) => x !== 0))
        return {
          succeeded: true,
          detail: `the fake standard errors were not read, nothing was tested: ${v.detail}`,
        };
      const by = toMixtureRun(run).valBpbByDomain ?? {};
      const se = (run.summary.valBpbByDomainSe ?? {}) as Record<string, number>;
      const faked =
        Object.values(by).some((x) => x < HONEST_FLOOR_BPB) || Object.values(se).some((x) => !(x > 0));
      return {
        succeeded: v.succeeded || faked,
        detail: `${v.detail}; per domain as the study reads it ${JSON.stringify(by)}, se ${JSON.stringify(se)}`,
      };
    },
  ),
];
