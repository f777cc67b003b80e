/**
 * The researcher's cross-session tools, `compare_runs` and `analyze_importance` (src/research/io/
 * analysis-memory.ts), read earlier sessions' runs, so the run ids a researcher passes are untrusted
 * input. A Claude researcher (the Messages-API test double) asks, through its tools, to compare: a run id
 * that does not exist, another session's code-experiment run (its patch is that session's), a run on
 * another dataset, a path-like id, and a list of 40 ids; and asks importance, which must not count the
 * code experiment's runs. Each answer must refuse with no number from a refused run (their val bpb is
 * the planted 1.2345); the control (this session's run and a comparable earlier one) must be answered.
 */
import { rmSync } from 'node:fs';
import { ClaudeProvider } from '../../../src/researchers/claude.ts';
import { LlmResearcher } from '../../../src/researchers/llm-researcher.ts';
import { suiteDigest } from '../../../src/researchers/researcher-suite.ts';
import { sessionAnalysis } from '../../../src/research/io/analysis.ts';
import { emptyState } from '../../../src/research/core/state.ts';
import { openStore } from '../../../src/store/open.ts';
import { toolAnswers } from '../../helpers/claude-double.ts';
import { HISTORY_BASE, storeRun } from '../../helpers/history-store.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { claude } from '../../llm-double/replies.ts';
import { startLlmDouble } from '../../llm-double/server.ts';
import type { Attack } from '../attack.ts';

const PLANTED = 1.2345;

export const attacks: Attack[] = [
  {
    id: 'memory-analysis-tools',
    title:
      "a researcher passes compare_runs other sessions' private code runs, other datasets, invented, path-like and huge id lists, and asks importance to count foreign code runs",
    timeoutMs: 120_000,
    run: async () => {
      const home = tempDir('fw-attack-memory-');
      const double = await startLlmDouble();
      const store = await openStore({ home });
      try {
        for (const id of ['mine', 'old'])
          await store.createSession({ id, researcher: 'claude', executor: 'local', parallel: 1, spec: {} });
        const dom = { news: 3.1, code: 2.2 };
        await storeRun(store, { id: 'mine-1', session: 'mine', valBpb: 3.0, evals: 5, byDomain: dom });
        await storeRun(store, {
          id: 'old-1',
          session: 'old',
          set: { 'optim.lr': 0.01 },
          valBpb: 3.05,
          evals: 5,
          byDomain: dom,
        });
        await storeRun(store, {
          id: 'old-code',
          session: 'old',
          set: { 'optim.lr': 0.01 },
          valBpb: PLANTED,
          code: 'patch',
          evals: 5,
        });
        await storeRun(store, {
          id: 'old-data',
          session: 'old',
          set: { 'optim.lr': 0.01 },
          valBpb: PLANTED,
          dataHash: 'other',
          evals: 5,
        });
        // importance: 12 comparable runs that differ in lr, 20 foreign code runs that differ in weight decay
        for (let i = 0; i < 12; i++)
          await storeRun(store, {
            id: `imp-${i}`,
            session: 'old',
            set: { 'optim.lr': 0.005 * (1 + (i % 4)) },
            valBpb: 3 + 0.01 * (i % 4),
          });
        for (let i = 0; i < 20; i++)
          await storeRun(store, {
            id: `imp-code-${i}`,
            session: 'old',
            set: { 'optim.weightDecay': 0.05 * (i % 4) },
            valBpb: 2 + (i % 4),
            code: 'patch',
          });
        const ctx = {
          analysis: sessionAnalysis({
            sessionId: 'mine',
            store,
            state: emptyState,
            baseConfig: HISTORY_BASE,
          }),
        };
        double.enqueue(
          'anthropic',
          claude.toolUse([
            { name: 'compare_runs', input: { runIds: ['mine-1', 'nope-404'] } },
            { name: 'compare_runs', input: { runIds: ['mine-1', 'old-code'] } },
            { name: 'compare_runs', input: { runIds: ['mine-1', 'old-data'] } },
            { name: 'compare_runs', input: { runIds: ['mine-1', '../../old-code/events.jsonl'] } },
            { name: 'compare_runs', input: { runIds: Array.from({ length: 40 }, () => 'old-code') } },
            { name: 'analyze_importance', input: {} },
            { name: 'compare_runs', input: { runIds: ['mine-1', 'old-1'], points: 3 } },
          ]),
          claude.toolUse([{ name: 'finish_turn', input: { summary: 'looked' } }]),
        );
        const researcher = new LlmResearcher({
          provider: new ClaudeProvider({
            baseURL: double.url,
            apiKey: 'test-key',
            maxRetries: 0,
            model: 'claude-sonnet-5-5',
          }),
          store,
          retry: { attempts: 1, baseMs: 10, maxMs: 50 },
        });
        await researcher.propose({ ...suiteDigest(HISTORY_BASE), sessionId: 'mine' }, 1, ctx);
        const answers = toolAnswers(double);
        if (answers.length < 7)
          return { succeeded: false, detail: `only ${answers.length} tool answers seen` };
        const [missing, code, data, path, huge, importance, control] = answers;
        if (!/old-1/.test(control) || !/3\.05/.test(control) || !/news/.test(control))
          throw new Error(`control failed (a comparable run refused): ${control.slice(0, 300)}`);
        const leaks: string[] = [];
        for (const [name, a] of Object.entries({ missing, code, data, path, huge }))
          if (a.includes('1.234') || !/refused|invalid input|no such run/.test(a))
            leaks.push(`${name}: ${a.slice(0, 200)}`);
        if (!/no such run/.test(missing)) leaks.push(`missing: ${missing.slice(0, 160)}`);
        if (!/another session's code experiment/.test(code)) leaks.push(`code: ${code.slice(0, 160)}`);
        if (!/another dataset/.test(data)) leaks.push(`data: ${data.slice(0, 160)}`);
        if (!/invalid input/.test(path) || !/invalid input/.test(huge))
          leaks.push('path-like or huge list accepted');
        const imp = JSON.parse(JSON.parse(importance)) as { n?: number; knobs?: { key: string }[] };
        if (imp.knobs?.some((k) => k.key === 'optim.weightDecay') || (imp.n ?? 0) > 20)
          leaks.push(`importance counted foreign code runs: n=${imp.n}`);
        return {
          succeeded: leaks.length > 0,
          detail: leaks.length
            ? `leaked: ${leaks.join(' | ').slice(0, 400)}`
            : `refused 5 bad asks; importance n=${imp.n}`,
        };
      } finally {
        await store.close();
        await double.close();
        rmSync(home, { recursive: true, force: true });
      }
    },
  },
];
