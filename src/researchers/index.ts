/** Choosing a researcher by name (`--researcher`). */
import { FlywheelError } from '../errors.ts';
import type { Store } from '../store/base.ts';
import type { Researcher } from './base.ts';
import type { DomainInfo } from './idea.ts';
import { OfflineResearcher } from './offline.ts';

export const RESEARCHER_NAMES = ['offline', 'claude', 'openai'];

export interface ResearcherOptions {
  seed: number;
  store: Store;
  domains?: DomainInfo[];
  maxCostUsd?: number;
  unsafeNoSandbox?: boolean;
  sessionId?: string;
}

export async function makeResearcher(name: string, opts: ResearcherOptions): Promise<Researcher> {
  if (name === 'offline') return new OfflineResearcher({ seed: opts.seed, domains: opts.domains });
  throw new FlywheelError('bad_input', `--researcher ${name}: use one of ${RESEARCHER_NAMES.join(', ')}`);
}
