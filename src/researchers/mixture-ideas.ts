/**
 * Data mixture re-weighting. The final val bpb scores a fixed number of tokens per domain
 * (train.finalEvalTokensPerDomain), i.e. every domain about equally, while the default mixture ({})
 * samples by train size; on the default corpus `sentences` is ~58 % of the train tokens. Mixtures are
 * written as weights over every known domain summing to 1 (a domain left out would get weight 0).
 */
import { mixtureKey } from '../config/keys.ts';
import type { TrainConfig } from '../config/train-config.ts';
import { roundSig } from './config-diff.ts';
import type { DomainInfo, Idea, IdeaContext } from './idea.ts';

/** The sampling weights the trainer would use now, normalised; undefined when they can't be known. */
export function currentWeights(base: TrainConfig, domains: DomainInfo[]): number[] | undefined {
  const mix = base.data.mixture;
  const raw =
    Object.keys(mix).length > 0
      ? domains.map((d) => mix[d.name] ?? 0)
      : domains.map((d) => d.trainTokens ?? NaN);
  const total = raw.reduce((a, b) => a + b, 0);
  return Number.isFinite(total) && total > 0 ? raw.map((w) => w / total) : undefined;
}

function mixtureSet(domains: DomainInfo[], weights: number[]): Record<string, unknown> {
  const total = weights.reduce((a, b) => a + b, 0);
  return Object.fromEntries(domains.map((d, i) => [mixtureKey(d.name), roundSig(weights[i] / total, 3)]));
}

const near = (a: number[], b: number[]) => a.every((x, i) => Math.abs(x - b[i]) < 1e-3);
const equal = (n: number) => new Array<number>(n).fill(1 / n);

/** Domains whose bpb is worst relative to the others: the top third by bpb / unigram bpb (or raw bpb). */
export function worstDomains(domains: DomainInfo[]): string[] {
  const scored = domains
    .filter((d) => d.valBpb !== undefined)
    .map((d) => ({ name: d.name, score: d.unigramBpb ? d.valBpb! / d.unigramBpb : d.valBpb! }));
  if (scored.length < 2) return [];
  scored.sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
  return scored.slice(0, Math.ceil(scored.length / 3)).map((d) => d.name);
}

function upweighted(base: TrainConfig, ctx: IdeaContext): number[] | undefined {
  const worst = new Set(worstDomains(ctx.domains));
  const w = currentWeights(base, ctx.domains) ?? equal(ctx.domains.length);
  return worst.size > 0
    ? w.map((x, i) => (worst.has(ctx.domains[i].name) ? 2 * Math.max(x, 0.01) : x))
    : undefined;
}

export const MIXTURE_IDEAS: Idea[] = [
  {
    id: 'mixture-equal',
    title: 'Equal domain weights',
    hypothesis:
      'The val bpb weighs every domain about equally (a fixed token count each), but size-proportional sampling ' +
      'spends most steps on the largest domain; matching the train mixture to the eval mixture should lower the ' +
      'average (DoReMi, Xie et al. 2023, and data-mixing laws, Ye et al. 2024, show mixture moves of this size matter).',
    expectedEffect: -0.008,
    tags: ['data', 'mixture'],
    applies: (b, ctx) =>
      ctx.domains.length >= 2 && !near(currentWeights(b, ctx.domains) ?? [], equal(ctx.domains.length)),
    change: (_b, ctx) => mixtureSet(ctx.domains, equal(ctx.domains.length)),
  },
  {
    id: 'mixture-by-size',
    title: 'Size-proportional domain weights',
    hypothesis:
      'Sampling by train size sees every train token equally often, so small domains are not repeated into ' +
      'overfitting; a check that a hand-set mixture is not costing more on repeated data than it gains.',
    expectedEffect: -0.002,
    tags: ['data', 'mixture'],
    applies: (b, ctx) =>
      ctx.domains.length >= 2 &&
      Object.keys(b.data.mixture).length > 0 &&
      ctx.domains.every((d) => d.trainTokens !== undefined && d.trainTokens > 0) &&
      !near(
        currentWeights(b, ctx.domains) ?? [],
        currentWeights({ ...b, data: { ...b.data, mixture: {} } }, ctx.domains)!,
      ),
    change: (_b, ctx) =>
      mixtureSet(
        ctx.domains,
        ctx.domains.map((d) => d.trainTokens!),
      ),
  },
  {
    id: 'mixture-upweight-worst',
    title: 'Upweight the worst domains x2',
    hypothesis:
      'The domains with the worst val bpb relative to their own unigram bpb (the model has learned least beyond ' +
      'token frequencies) get twice their weight: their loss should fall faster than the others rise, as in ' +
      'DoReMi-style excess-loss reweighting (Xie et al. 2023).',
    expectedEffect: -0.004,
    tags: ['data', 'mixture'],
    applies: (b, ctx) => ctx.domains.length >= 2 && upweighted(b, ctx) !== undefined,
    change: (b, ctx) => mixtureSet(ctx.domains, upweighted(b, ctx)!),
  },
];
