/**
 * What the LLM researcher tests share (test/llm-researcher*.test.ts): a digest to propose from, and a
 * propose context that keeps the journal entries.
 */
import { DEFAULT_SEARCH_SPACE } from '../../src/config/search-space.ts';
import type { TrainConfig } from '../../src/config/train-config.ts';
import type { Digest, ProposeContext } from '../../src/researchers/base.ts';

export function digestFor(base: TrainConfig): Digest {
  return {
    sessionId: 's-test',
    goal: 'valBpb',
    baselineConfig: base,
    baseline: { mean: 3, std: 0.01, n: 3 },
    noiseFloor: [{ rung: 0, budgetTokens: 4096, std: 0.01, n: 3 }],
    best: undefined,
    recent: [],
    findings: [],
    tried: [],
    rejected: [],
    searchSpace: DEFAULT_SEARCH_SPACE,
    budget: { usedFlops: 0, usedSeconds: 0 },
  };
}

export const journalCtx = () => {
  const entries: Array<{ kind: string; title: string; data?: Record<string, unknown> }> = [];
  const ctx: ProposeContext = {
    journal: (kind, title, extra) => void entries.push({ kind, title, data: extra?.data }),
  };
  return { entries, ctx };
};
