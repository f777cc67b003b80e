/**
 * The researchers the curve bench puts ambiguous curves to, through the real LlmResearcher (its judge
 * turn, the judge_curve tool, the real SDK over HTTP): the Messages-API test double, whose scripted
 * reading of a curve is `curveCall` in test/llm-double/autopilot.ts (deterministic), and Claude itself
 * when ANTHROPIC_API_KEY is set. The digest is a minimal one for the tiny preset (a judge turn does not
 * need a session's history).
 */
import { resolveConfig } from '../../src/config/resolve.ts';
import { DEFAULT_SEARCH_SPACE } from '../../src/config/search-space.ts';
import type { Digest } from '../../src/researchers/base.ts';
import { ClaudeProvider } from '../../src/researchers/claude.ts';
import { LlmResearcher } from '../../src/researchers/llm-researcher.ts';
import { openStore } from '../../src/store/open.ts';
import { startLlmDouble } from '../../test/llm-double/server.ts';
import { removeTempDirs, tempDir } from '../../test/helpers/temp-dir.ts';
import type { Judge } from './judge-replay.ts';

export interface NamedJudge {
  name: string;
  judge: Judge;
  usage(): { calls: number; costUsd: number };
}

function benchDigest(): Digest {
  return {
    sessionId: 's-curves-bench',
    goal: 'valBpb',
    baselineConfig: resolveConfig({ preset: 'tiny' }),
    baseline: undefined,
    noiseFloor: [],
    best: undefined,
    recent: [],
    findings: [],
    tried: [],
    rejected: [],
    searchSpace: DEFAULT_SEARCH_SPACE,
    budget: { usedFlops: 0, usedSeconds: 0 },
  };
}

/** The judges available here, and a close() that stops the double and removes the temp store. */
export async function researcherJudges(): Promise<{
  judges: NamedJudge[];
  skipped: string[];
  close(): Promise<void>;
}> {
  const store = await openStore({ home: tempDir('fw-curves-bench-') });
  const double = await startLlmDouble();
  const digest = benchDigest();
  const quiet = { journal: () => undefined, note: () => undefined };
  const make = (name: string, provider: ClaudeProvider): NamedJudge => {
    const r = new LlmResearcher({ provider, store, maxCostUsd: 2 });
    return {
      name,
      judge: (c) => r.judgeCurve(c, digest, quiet),
      usage: () => ({ calls: r.usage().calls, costUsd: r.usage().costUsd }),
    };
  };
  const judges = [
    make(
      'rules + researcher (LLM double, scripted)',
      new ClaudeProvider({
        baseURL: double.url,
        apiKey: 'bench-key',
        maxRetries: 0,
        model: 'claude-sonnet-5-5',
      }),
    ),
  ];
  const skipped: string[] = [];
  if (process.env.ANTHROPIC_API_KEY) judges.push(make('rules + researcher (Claude)', new ClaudeProvider()));
  else skipped.push('rules + researcher (Claude): no ANTHROPIC_API_KEY here, not measured');
  return {
    judges,
    skipped,
    close: async () => {
      await double.close();
      await store.close();
      removeTempDirs();
    },
  };
}
