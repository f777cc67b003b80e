/** Choosing a researcher by name (`--researcher`). */
import { FlywheelError } from '../errors.ts';
import type { Store } from '../store/base.ts';
import type { Researcher } from './base.ts';
import { checkClaudeEnv, ClaudeProvider } from './claude.ts';
import { storeHistory } from './history.ts';
import type { DomainInfo } from './idea.ts';
import { LlmResearcher } from './llm-researcher.ts';
import { OfflineResearcher } from './offline.ts';
import { checkOpenAIEnv, OpenAIProvider } from './openai.ts';

export const RESEARCHER_NAMES = ['offline', 'claude', 'openai'];

export interface ResearcherOptions {
  seed: number;
  store: Store;
  domains?: DomainInfo[];
  maxCostUsd?: number;
  unsafeNoSandbox?: boolean;
  sessionId?: string;
  /** The offline researcher's data-mixture study (mixture-study.ts); off unless the budget affords it. */
  mixtureStudy?: boolean;
  /** The offline researcher's screening study (screening-study.ts): design rows, 0 = off. */
  screeningRows?: number;
}

/** Fail fast, before any dataset or calibration work, when an LLM researcher has no credentials. */
export function checkResearcherEnv(name: string, env = process.env): void {
  if (name === 'claude') checkClaudeEnv(env);
  else if (name === 'openai') checkOpenAIEnv(env);
}

export async function makeResearcher(name: string, opts: ResearcherOptions): Promise<Researcher> {
  if (name === 'offline')
    return new OfflineResearcher({
      seed: opts.seed,
      domains: opts.domains,
      ...(opts.mixtureStudy ? { mixtureStudy: {} } : {}),
      ...(opts.screeningRows ? { screening: { rows: opts.screeningRows } } : {}),
      history: storeHistory(opts.store), // TPE warm-started from earlier sessions' comparable runs
    });
  if (name === 'claude' || name === 'openai') {
    checkResearcherEnv(name);
    const provider = name === 'claude' ? new ClaudeProvider() : new OpenAIProvider();
    return new LlmResearcher({
      provider,
      store: opts.store,
      maxCostUsd: opts.maxCostUsd,
      unsafeNoSandbox: opts.unsafeNoSandbox,
    });
  }
  throw new FlywheelError('bad_input', `--researcher ${name}: use one of ${RESEARCHER_NAMES.join(', ')}`);
}
