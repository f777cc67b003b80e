/**
 * What the LLM researcher tests share (test/llm-researcher*.test.ts) beside the researcher suite's digest
 * (src/researchers/researcher-suite.ts `suiteDigest`): a propose context that keeps the journal entries.
 */
import type { ProposeContext } from '../../src/researchers/base.ts';

export const journalCtx = () => {
  const entries: Array<{ kind: string; title: string; data?: Record<string, unknown> }> = [];
  const ctx: ProposeContext = {
    journal: (kind, title, extra) => void entries.push({ kind, title, data: extra?.data }),
  };
  return { entries, ctx };
};
