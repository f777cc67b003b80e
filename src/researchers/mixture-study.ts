/**
 * The data-mixture study as the offline researcher runs it (README, "Data-mixture study"), RegMix-style:
 * a few early proposals are random domain mixtures (explore trials at their first rung like any other, so each
 * costs one short run), the engine's digest fits a regression from weights to val bpb over them
 * (src/analysis/mixture.ts, in src/research/io/domain-digest.ts), and once every study run is in, the
 * regression's predicted mixture is proposed as an ordinary change, judged like any other. Its
 * hypothesis states the prediction and the regression's held-out error, so the journal keeps both.
 *
 * Deterministic: the mixtures drawn depend on the seed, the base config and how many study proposals
 * the session holds (from the digest), so a researcher rebuilt on resume proposes the same ones.
 */
import { dirichlet, minMixtures } from '../analysis/mixture.ts';
import { mixtureKey } from '../config/keys.ts';
import { configHash } from '../config/resolve.ts';
import type { SearchSpace } from '../config/search-space.ts';
import type { TrainConfig } from '../config/train-config.ts';
import type { Digest, Proposal } from './base.ts';
import { ideaKey, outsideSpace, roundSig } from './config-diff.ts';
import type { DomainInfo } from './idea.ts';
import { currentWeights } from './mixture-ideas.ts';
import { hash32, Rng } from './rng.ts';

export const MIXTURE_STUDY_SOURCE = 'mixture-study';
export const MIXTURE_REGRESSION_SOURCE = 'mixture-regression';
const STUDY_TITLE = 'Mixture study point';

export interface MixtureStudyOptions {
  /** Study mixtures to propose (default: what the regression needs with the baseline's, analysis/mixture.ts minMixtures). */
  runs?: number;
}

export interface StudyCandidate {
  key: string;
  proposal: Proposal;
}

const mixtureSet = (domains: DomainInfo[], w: number[]) =>
  Object.fromEntries(domains.map((d, i) => [mixtureKey(d.name), roundSig(w[i], 3)]));

const describe = (domains: DomainInfo[], w: number[]) =>
  domains.map((d, i) => `${d.name} ${w[i].toFixed(2)}`).join(', ');

/** A random mixture around the current one (half of it, half uniform), no domain below 2 %. */
function studyMixture(rng: Rng, current: number[], i: number): number[] {
  const K = current.length;
  const centre = current.map((c) => 0.5 * c + 0.5 / K);
  const conc = [1, 2, 4][i % 3] * K; // broad to tight
  const w = dirichlet(
    rng.next,
    centre.map((c) => c * conc),
  ).map((x) => Math.max(x, 0.02));
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / s);
}

/**
 * This call's study proposals: random mixtures while the study has fewer than it needs, then (once
 * they have all ended) the regression's predicted mixture, once. [] when the dataset has one domain,
 * the search space cannot turn the weights, or the study is done.
 */
export function mixtureStudyProposals(o: {
  digest: Digest;
  base: TrainConfig;
  domains: DomainInfo[];
  space: SearchSpace;
  n: number;
  seed: number;
  avoidKeys: Set<string>;
  rejectedTitles: Set<string>;
  options?: MixtureStudyOptions;
}): StudyCandidate[] {
  const { digest, base, domains, space } = o;
  const m = digest.mixture;
  if (!m || domains.length < 2 || o.n <= 0) return [];
  const current = currentWeights(base, domains) ?? domains.map(() => 1 / domains.length);
  // the baseline's own mixture is one point of the study already
  const target = o.options?.runs ?? minMixtures(domains.length) - 1;
  const refused = [...o.rejectedTitles].filter((t) => t.startsWith(STUDY_TITLE)).length;
  const out: StudyCandidate[] = [];
  // a study that ended without a prediction because points were lost (to the monitor or failures)
  // gets a few more. Only then: the store's copy of the last point can lag its result in the state, so
  // "every point in, no prediction yet" alone is no reason (a 9th point of 8 in one CI run, most
  // likely from that lag; neither a quiet nor a loaded run repeated it)
  const allIn = m.studyFinished >= m.studyProposed;
  const want =
    m.studyProposed < target
      ? target - m.studyProposed
      : allIn && !m.prediction && (m.studyLost ?? 0) > 0 && m.studyProposed < target + 3
        ? 1
        : 0;
  if (want > 0 && refused <= 3) {
    const rng = new Rng(hash32(`${o.seed}|mixture-study|${configHash(base)}|${m.studyProposed}|${refused}`));
    for (let i = 0; i < 3 * o.n && out.length < Math.min(o.n, want); i++) {
      const w = studyMixture(rng, current, m.studyProposed + i);
      const set = mixtureSet(domains, w);
      const key = ideaKey(base, set);
      if (o.avoidKeys.has(key) || outsideSpace(space, set)) continue;
      out.push({
        key,
        proposal: {
          title: `${STUDY_TITLE} ${m.studyProposed + out.length + 1}/${target}: ${describe(domains, w)}`,
          hypothesis:
            "A point of the data-mixture study (RegMix, Liu et al. 2024): random domain weights run at the first rung's budget. " +
            'With the other points it fits a regression from weights to val bpb; its predicted best mixture is then proposed and judged like any change.',
          change: { kind: 'config', set },
          expectedEffect: 0,
          cost: 1,
          source: MIXTURE_STUDY_SOURCE,
          tags: ['data', 'mixture', 'study'],
        },
      });
    }
    return out;
  }
  const p = m.prediction;
  if (!p || m.predictedProposed || m.studyFinished < m.studyProposed) return [];
  const w = domains.map((d) => p.weights[d.name] ?? 0);
  if (w.every((x, i) => Math.abs(x - current[i]) < 0.01)) return [];
  const set = mixtureSet(domains, w);
  const key = ideaKey(base, set);
  if (o.avoidKeys.has(key) || outsideSpace(space, set)) return [];
  const beats = p.heldOut.rmse < p.heldOut.meanRmse;
  const gain =
    p.baselineValBpb !== undefined ? p.valBpb - p.baselineValBpb : p.valBpb - p.bestObserved.valBpb;
  return [
    {
      key,
      proposal: {
        title: `Mixture predicted by the study regression: ${describe(domains, w)}`,
        hypothesis:
          `The mixture study's regression (${p.runs} runs over ${p.mixtures} mixtures at the first rung's budget) predicts val bpb ${p.valBpb.toFixed(4)} ` +
          `for this mixture${p.baselineValBpb !== undefined ? ` vs ${p.baselineValBpb.toFixed(4)} measured for the baseline` : ''}, ` +
          `and ${p.bestObserved.valBpb.toFixed(4)} for the best mixture run; held-out RMSE ${p.heldOut.rmse.toFixed(4)} ` +
          `(${beats ? 'better than' : 'NOT better than'} the ${p.heldOut.meanRmse.toFixed(4)} of predicting the mean), ` +
          `Spearman ${Number.isFinite(p.heldOut.spearman) ? p.heldOut.spearman.toFixed(2) : 'n/a'}. ` +
          'RegMix (Liu et al. 2024) found mixtures ranked at small scale keep their rank at larger scale.',
        change: { kind: 'config', set },
        expectedEffect: Number(Math.min(-0.001, beats ? gain : gain / 2).toFixed(4)),
        cost: 1,
        source: MIXTURE_REGRESSION_SOURCE,
        tags: ['data', 'mixture', 'regression'],
      },
    },
  ];
}
