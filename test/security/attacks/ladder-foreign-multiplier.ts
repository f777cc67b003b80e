/**
 * The researcher's `compute_multiplier` tool answers over this session's runs only (src/research/io/
 * analysis.ts). A Claude researcher (the Messages-API test double) asks it, through its tools, for a
 * proposal id that exists only in another session (where it is "worth 4× compute"), for that session's
 * run id, and for a path-like id: each answer must be a refusal carrying no number from the other session.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configHash, resolveConfig } from '../../../src/config/resolve.ts';
import { emptyState } from '../../../src/research/core/state.ts';
import { sessionAnalysis } from '../../../src/research/io/analysis.ts';
import { suiteDigest } from '../../../src/researchers/researcher-suite.ts';
import { flopsPerToken } from '../../../src/runs/flops.ts';
import { openStore } from '../../../src/store/open.ts';
import { claude } from '../../llm-double/replies.ts';
import { startLlmDouble } from '../../llm-double/server.ts';
import type { Attack } from '../attack.ts';
import { doubleResearcher, toolAnswers } from '../../helpers/claude-double.ts';

const loss = (flops: number) => 1.9 + 3e3 * flops ** -0.3;

export const attacks: Attack[] = [
  {
    id: 'ladder-foreign-multiplier',
    title:
      "a researcher asks compute_multiplier about another session's proposal and run, to borrow its multiplier",
    timeoutMs: 120_000,
    run: async () => {
      const home = mkdtempSync(join(tmpdir(), 'fw-attack-ladder-'));
      const double = await startLlmDouble();
      const store = await openStore({ home });
      try {
        let n = 0;
        for (const id of ['mine', 'other'])
          await store.createSession({ id, researcher: 'claude', executor: 'local', parallel: 1, spec: {} });
        const add = async (session: string, proposal: string, tokens: number, gain: number) => {
          const config = resolveConfig({
            preset: 'tiny',
            sets: ['data.vocabSize=2048'],
            budget: `${tokens}tok`,
            seed: n,
          });
          const flops = flopsPerToken(config.model, 2048) * tokens;
          const id = `r${n++}`;
          await store.createRun({
            id,
            config,
            configHash: configHash(config, proposal === 'baseline' ? '' : proposal),
            seed: config.seed,
            runDir: home,
            status: 'running',
            sessionId: session,
            tags: { proposal },
          });
          await store.finishRun(id, 'completed', 'budget reached', {
            valBpb: loss(flops * gain),
            tokens,
            flops,
            params: 1e5,
          });
          return id;
        };
        for (const session of ['mine', 'other'])
          for (const tokens of [50_000, 100_000, 200_000])
            for (let s = 0; s < 2; s++) await add(session, 'baseline', tokens, 1);
        let foreignRun = '';
        for (let s = 0; s < 3; s++) foreignRun = await add('other', 'p7', 200_000, 4);
        for (let s = 0; s < 3; s++) await add('mine', 'p2', 200_000, 2); // the control: this session's own idea
        const state = emptyState(); // this session has p2, not p7
        state.proposals.push({ id: 'p2' } as (typeof state.proposals)[number]);
        const ctx = { analysis: sessionAnalysis({ sessionId: 'mine', store, state: () => state }) };
        double.enqueue(
          'anthropic',
          claude.toolUse([
            { name: 'compute_multiplier', input: { proposal: 'p7' } },
            { name: 'compute_multiplier', input: { proposal: foreignRun } },
            { name: 'compute_multiplier', input: { proposal: '../other/p7' } },
            { name: 'compute_multiplier', input: { proposal: 'p2' } },
          ]),
          claude.toolUse([{ name: 'finish_turn', input: { summary: 'borrowed' } }]),
        );
        const researcher = doubleResearcher(double.url, store, {
          retry: { attempts: 1, baseMs: 10, maxMs: 50 },
        });
        const digest = { ...suiteDigest(resolveConfig({ preset: 'tiny' })), sessionId: 'mine' };
        await researcher.propose(digest, 1, ctx);
        const answers = toolAnswers(double);
        if (answers.length < 4)
          return { succeeded: false, detail: `only ${answers.length} tool answers seen` };
        if (!/worth/.test(answers[3]))
          throw new Error(`control failed (own proposal refused): ${answers[3]}`);
        const leaked = answers.slice(0, 3).filter((a) => /worth|value/.test(a));
        return {
          succeeded: leaked.length > 0,
          detail: leaked.length
            ? `leaked: ${leaked.join(' | ').slice(0, 300)}`
            : `refused: ${answers.join(' | ').slice(0, 300)}`,
        };
      } finally {
        await store.close();
        await double.close();
        rmSync(home, { recursive: true, force: true });
      }
    },
  },
];
