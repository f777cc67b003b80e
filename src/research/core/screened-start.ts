/**
 * Whether a new session starts on what an earlier session's screening study selected, so that its own
 * screen would only re-screen the changes that one left (README "Screening study").
 *
 * The screen measures each change's main effect averaged over the design's other rows. On a base that
 * already holds the large changes a screen selected, the changes it left are small beside the rows'
 * interactions, and a second screen reads them near its noise: in regime (a) of
 * bench/research-efficiency, a 16-row design on the screened stack selected none of QK-norm,
 * shallower-wider or logit softcap 15, which measure −0.0127, −0.0088 and −0.0064 on that stack one at
 * a time, paired, at the full budget (BENCHMARKS.md "Screening: main effects against the base's own").
 * Two sessions back to back, a second session's 31-row screen on that stack selected nothing on one
 * session seed and a two-change stack on the others (BENCHMARKS.md "Pace changes after the others"),
 * 10.3 of its 24 full runs either way. So such a session skips the screen and tests those changes one
 * at a time on its base (the CLI and the benchmark read this before they size the screen).
 *
 * "Holds" is by value: every knob the won stack set has that value in the start config, where a won
 * pace check (the stack judged again without its pace changes) set its knobs back. The proposal's
 * `source` is set by the offline researcher in-process; a model researcher's proposals carry its own
 * name (researchers/tools.ts; attack `screened-start-source`). Only earlier sessions of the same data
 * and trainer count: a screen on other data says nothing about this one.
 */
import { canonicalJson, getPath } from '../../config/resolve.ts';
import type { TrainConfig } from '../../config/train-config.ts';
import { SCREEN_PACE_CHECK_SOURCE, SCREEN_STACK_SOURCE } from '../../researchers/screening-design.ts';
import { dataAndTrainer, type PastSession } from './noise-history.ts';

/** The earlier screen a start holds: its session and its stack's title. */
export interface ScreenedStart {
  session: string;
  title: string;
}

interface StoredProposal {
  id?: unknown;
  title?: unknown;
  source?: unknown;
  baseId?: unknown;
  verdict?: unknown;
  confirmed?: unknown;
  change?: { kind?: unknown; set?: unknown };
}

const wonAs = (p: StoredProposal, source: string): boolean =>
  p.source === source && p.verdict === 'win' && p.confirmed === true && p.change?.kind === 'config';

const setOf = (p: StoredProposal): Record<string, unknown> =>
  p.change?.set && typeof p.change.set === 'object' ? (p.change.set as Record<string, unknown>) : {};

/** The newest earlier session (of the same data and trainer) whose won screened stack `config` holds. */
export function screenedStart(past: PastSession[], config: TrainConfig): ScreenedStart | undefined {
  const family = canonicalJson(dataAndTrainer(config));
  for (const s of past) {
    const base = s.spec.baseConfig as TrainConfig | undefined;
    if (!base?.data || canonicalJson(dataAndTrainer(base)) !== family) continue;
    const proposals = (s.state.proposals as StoredProposal[] | undefined) ?? [];
    for (const stack of proposals.filter((p) => wonAs(p, SCREEN_STACK_SOURCE))) {
      const check = proposals.find((p) => wonAs(p, SCREEN_PACE_CHECK_SOURCE) && p.baseId === stack.id);
      const want = { ...setOf(stack), ...(check ? setOf(check) : {}) };
      const keys = Object.keys(want);
      if (keys.length && keys.every((k) => canonicalJson(getPath(config, k)) === canonicalJson(want[k])))
        return { session: s.id, title: String(stack.title) };
    }
  }
  return undefined;
}
