/**
 * A proposal as the engine keeps it (core/state.ts `ProposalState`), for tests of the engine's pure
 * parts that build a session state by hand: an active config idea titled and keyed by its id, changing
 * nothing unless `over` says so.
 */
import type { TrainConfig } from '../../src/config/train-config.ts';
import type { ProposalState } from '../../src/research/core/state.ts';

export function proposalState(
  id: string,
  config: TrainConfig,
  over: Partial<ProposalState> = {},
): ProposalState {
  return {
    id,
    title: id,
    hypothesis: '',
    change: { kind: 'config', set: {} },
    expectedEffect: 0,
    cost: 1,
    source: 'test',
    key: id,
    config,
    status: 'active',
    createdAt: '',
    ...over,
  };
}
