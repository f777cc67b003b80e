/**
 * Triage (README "Research sessions", step 3): the order in which a batch of admitted-to-be proposals is
 * queued, by expected gain per FLOP, where the expected gain is learned from every comparable stored
 * run (this and earlier sessions, researchers/history.ts) and shrunk toward the researcher's stated
 * expectation (researchers/history-effect.ts), not the statement alone. A change earlier sessions
 * measured as a loss sinks; one measured as a win rises; one nobody ran keeps its statement. The
 * ranking and its reasons are journaled.
 */
import type { Proposal } from '../../researchers/base.ts';
import { historyEffect, historySigma, type HistoryEffect } from '../../researchers/history-effect.ts';
import { pointOf, storeHistory, type History, type RunHistory } from '../../researchers/history.ts';
import type { Store } from '../../store/base.ts';
import type { Admission } from '../core/proposals.ts';
import type { SessionPort } from './port.ts';

const histories = new WeakMap<Store, RunHistory>();

export interface Triaged {
  proposal: Proposal;
  effect?: HistoryEffect; // config changes only
  cost: number;
  score: number; // expected gain per FLOP: -estimate / cost (higher first)
}

const f3 = (x: number) => (x < 0 ? `−${(-x).toFixed(3)}` : `+${x.toFixed(3)}`);

/** One line of the journal's reason for a proposal's rank. */
export function triageLine(t: Triaged): string {
  const e = t.effect;
  const stated = `stated ${f3(t.proposal.expectedEffect ?? 0)}`;
  const learned = !e?.evidence
    ? 'no comparable run'
    : `history ${Number.isFinite(e.evidence.mean) ? f3(e.evidence.mean) : 'n/a'} from ${e.evidence.runs.toFixed(1)} similar run(s)${e.evidence.failedShare > 0 ? `, ${Math.round(100 * e.evidence.failedShare)} % failed` : ''}`;
  return `${t.proposal.title}: ${stated}, ${learned} → ${f3(e?.estimate ?? t.proposal.expectedEffect ?? 0)} at ${t.cost.toFixed(2)}× cost`;
}

/**
 * Rank `proposals` by learned expected gain per FLOP. `dry` is each proposal's admission against the
 * base (computed once by the caller); a proposal that will be refused keeps its place at the end.
 */
export async function triage(
  s: Pick<SessionPort, 'store' | 'sessionId' | 'spec' | 'baseConfig'>,
  proposals: Array<{ proposal: Proposal; dry: Admission }>,
): Promise<{ ranked: Triaged[]; history?: History }> {
  const knobs = s.spec.searchSpace.knobs;
  let history: History | undefined;
  if (proposals.some((x) => x.dry.ok && x.proposal.change.kind === 'config')) {
    let h = histories.get(s.store);
    if (!h) histories.set(s.store, (h = storeHistory(s.store)));
    history = await h.load({
      sessionId: s.sessionId,
      base: s.baseConfig,
      rungTokens: s.spec.rungTokens,
      knobs,
      includeOwn: true,
    });
  }
  const sigma = history ? historySigma(history, 0.01) : 0.01;
  const ranked = proposals.map(({ proposal: p, dry }): Triaged => {
    const stated = Number.isFinite(p.expectedEffect) ? p.expectedEffect : 0;
    const cost = dry.ok ? dry.cost : p.cost && p.cost > 0 ? p.cost : 1;
    const effect =
      dry.ok && p.change.kind === 'config' && history
        ? historyEffect(pointOf(dry.config, knobs), stated, history, knobs, sigma)
        : undefined;
    const est = effect?.estimate ?? stated;
    // a config change that will be refused goes last; a code change is ranked by its statement
    const score = dry.ok || p.change?.kind === 'code' ? -est / (cost > 0 ? cost : 1) : -Infinity;
    return { proposal: p, effect, cost, score };
  });
  // stable: equal scores keep the researcher's order
  const order = ranked.map((t, i) => ({ t, i })).sort((a, b) => b.t.score - a.t.score || a.i - b.i);
  return { ranked: order.map((x) => x.t), history };
}

/** Whether the ranking used any history at all (else the journal needs no triage entry). */
export const learnedFromHistory = (ranked: Triaged[]) => ranked.some((t) => t.effect?.evidence);
