/**
 * What the io/ modules get from their session (session.ts implements it): the session's fixed facts,
 * its ports, the current state to read, and `apply` to run a transition on the state as it is at that
 * moment (core/transitions.ts) and carry out its effects (../effects.ts). Nothing here can change the
 * state any other way.
 */
import type { Executor } from '../../executors/base.ts';
import type { Researcher } from '../../researchers/base.ts';
import type { Store } from '../../store/base.ts';
import type { Step } from '../core/effects.ts';
import type { SessionState } from '../core/state.ts';
import type { EngineContext } from '../core/transitions.ts';

export interface SessionPort extends EngineContext {
  store: Store;
  executor: Executor;
  researcher: Researcher;
  signal?: AbortSignal;
  state(): SessionState;
  secondsUsed(): number;
  /** Runs in flight that can be stopped now: trial id -> stop it (io/requests.ts, the `stop_run` tool). */
  liveRuns?(): Map<string, (reason: string) => void>;
  /** Run a transition on the current state, adopt its state, carry out its effects, persist. */
  apply<S extends Step>(transition: (state: SessionState) => S): Promise<S>;
}
