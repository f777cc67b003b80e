/**
 * The case put to the researcher about an ambiguous curve (src/monitor/assess.ts): the run's train
 * curve (loss, lr, grad norm; thinned to at most `maxTrainPoints`), its evals with the baseline band at
 * each one and the per-domain val bpb, every rule's verdict and evidence, and the signals that made the
 * stop ambiguous. Plain numbers; the only text from the run is domain names, kept only when they look
 * like names and are domains of the run's config (the caller redacts the whole case before it leaves
 * the process: src/security/redact.ts).
 */
import type { Curve, Reference } from './base.ts';
import type { Assessment, CurveSignals, RuleVerdict } from './assess.ts';
import { round } from './curve.ts';

export interface CurveCase {
  /** The run asked about: an answer about any other run is refused. */
  runId: string;
  /** Who it is, e.g. "p3 (Double the learning rate) explore rung 0 seed 1001". */
  label: string;
  budgetTokens?: number;
  rules: RuleVerdict[];
  reasons: string[];
  signals: CurveSignals;
  train: Array<{ tokens: number; loss: number | null; lr?: number; gradNorm?: number | null }>;
  eval: Array<{
    tokens: number;
    valBpb: number | null;
    band?: { mean: number; std: number };
    byDomain?: Record<string, number | null>;
  }>;
}

const DOMAIN_NAME = /^[A-Za-z0-9_.-]{1,40}$/;
const num = (x: number | undefined) => (x === undefined ? undefined : Number.isFinite(x) ? round(x) : null);

export function curveCase(
  o: {
    runId: string;
    label: string;
    curve: Curve;
    reference: Reference | undefined;
    assessment: Assessment;
    /** Per eval (same order as curve.eval), the run's val bpb per domain, when known. */
    byDomain?: ReadonlyArray<Record<string, number> | undefined>;
    /** The domains the run's config names: any other key a run reports is dropped (it is run output). */
    domains?: ReadonlySet<string>;
  },
  maxTrainPoints = 48,
): CurveCase {
  const { curve, reference, assessment } = o;
  const stride = Math.max(1, Math.ceil(curve.train.length / maxTrainPoints));
  const train = curve.train
    .filter((_, i) => i % stride === 0 || i === curve.train.length - 1)
    .map((p) => ({
      tokens: p.tokens,
      loss: num(p.loss) ?? null,
      ...(p.lr !== undefined ? { lr: num(p.lr)! } : {}),
      ...(p.gradNorm !== undefined ? { gradNorm: num(p.gradNorm) ?? null } : {}),
    }));
  const evals = curve.eval.map((e, i) => {
    const band = reference?.evalBand(e.tokens);
    const dom = o.byDomain?.[i];
    const byDomain = dom
      ? Object.fromEntries(
          Object.entries(dom)
            .filter(([k]) => DOMAIN_NAME.test(k) && (!o.domains || o.domains.has(k)))
            .slice(0, 16)
            .map(([k, v]) => [k, num(v) ?? null]),
        )
      : undefined;
    return {
      tokens: e.tokens,
      valBpb: num(e.valBpb) ?? null,
      ...(band ? { band: { mean: round(band.mean), std: round(band.std) } } : {}),
      ...(byDomain && Object.keys(byDomain).length ? { byDomain } : {}),
    };
  });
  return {
    runId: o.runId,
    label: o.label.slice(0, 200),
    budgetTokens: curve.budgetTokens,
    rules: assessment.verdicts,
    reasons: assessment.reasons,
    signals: assessment.signals,
    train,
    eval: evals,
  };
}
