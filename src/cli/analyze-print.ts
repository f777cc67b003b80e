/** Human-readable output of `flywheel analyze` (the --json objects carry the same numbers and more). */
import type { ImportanceReport } from '../analysis/importance.ts';
import type { MultiplierReport, ScalingReport } from '../analysis/reports.ts';
import type { Estimate } from '../analysis/scaling-law.ts';

const g = (x: number) =>
  Number.isFinite(x)
    ? Math.abs(x) >= 1e4 || Math.abs(x) < 1e-3
      ? x.toExponential(3)
      : x.toPrecision(4)
    : String(x);
const est = (e: Estimate) => `${g(e.value).padStart(10)}  [${g(e.ci95[0])}, ${g(e.ci95[1])}]`;

export function printScaling(r: ScalingReport): void {
  const out: string[] = [];
  out.push(
    `Scaling law over ${r.n} fully-decayed runs of config family ${r.family} (${r.sizes.length} sizes x ${r.dataAmounts.length} token budgets)`,
  );
  out.push(
    '  L(N, D) = E + A/N^alpha + B/D^beta   (L: final val bpb, N: params, D: training tokens; 95 % bootstrap CI)',
  );
  for (const k of ['E', 'A', 'alpha', 'B', 'beta'] as const) out.push(`  ${k.padEnd(6)}${est(r[k])}`);
  out.push(
    `  compute-optimal: N ∝ C^${g(r.paramsExponent.value)}, D ∝ C^${g(r.tokensExponent.value)} (C ≈ 6ND); rms log residual ${g(r.rmsLogResidual)}`,
  );
  for (const o of r.optimal)
    out.push(
      `  at C = ${o.flops.toExponential(2)} FLOPs: N = ${g(o.params.value)} [${g(o.params.ci95[0])}, ${g(o.params.ci95[1])}], D = ${g(o.tokens.value)} [${g(o.tokens.ci95[0])}, ${g(o.tokens.ci95[1])}]`,
    );
  out.push(
    `  frontier (lowest loss per compute): ${r.frontier.frontier.map((p) => `${p.flops.toExponential(1)}→${p.valBpb.toFixed(3)}`).join(', ')}`,
  );
  out.push(`  runs used: ${r.runs.map((x) => x.runId).join(' ')}`);
  if (r.notFullyDecayed > 0)
    out.push(
      `  left out: ${r.notFullyDecayed} runs not fully decayed (stopped early, failed, or no final eval)`,
    );
  if (r.otherFamilies.length)
    out.push(`  other families: ${r.otherFamilies.map((f) => `${f.family} (${f.runs} runs)`).join(', ')}`);
  for (const w of r.warnings) out.push(`warning: ${w}`);
  console.log(out.join('\n'));
}

export function printMultiplier(r: MultiplierReport): void {
  const out = [
    `${r.candidateRef} vs ${r.baselineRef}: ${r.text} (95 % bootstrap CI over seeds, ${r.resamples} resamples)`,
    `  candidate: ${r.candidate.n} runs, ${r.candidate.flops.toExponential(3)} FLOPs, val bpb ${r.candidate.valBpb.toFixed(4)}`,
    `  baseline:  ${r.baseline.n} runs at ${r.baseline.budgets.length} budgets, L(C) = ${g(r.baseline.law.E)} + ${g(r.baseline.law.A)}·C^-${g(r.baseline.law.alpha)}; reaches that loss at ${g(r.baseline.neededFlops)} FLOPs`,
  ];
  for (const w of r.warnings) out.push(`warning: ${w}`);
  console.log(out.join('\n'));
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function printImportance(r: ImportanceReport): void {
  const out = [
    `Knob importance over ${r.n} comparable runs in ${r.groups} groups (share of val bpb variance, 95 % bootstrap CI):`,
  ];
  const width = Math.max(4, ...r.knobs.map((k) => k.key.length));
  for (const k of r.knobs) {
    const best = k.levels.filter((l) => l.n > 0).reduce((a, b) => (b.meanDelta < a.meanDelta ? b : a));
    out.push(
      `  ${k.key.padEnd(width)}  ${pct(k.importance).padStart(6)}  [${pct(k.ci95[0])}, ${pct(k.ci95[1])}]  n=${k.n}  best: ${best.label} (${best.meanDelta >= 0 ? '+' : ''}${best.meanDelta.toFixed(4)})`,
    );
  }
  const inter = r.interactions.filter((i) => i.ci95[0] > 0);
  if (inter.length) out.push('Interactions whose CI excludes 0:');
  for (const i of inter)
    out.push(
      `  ${i.keys.join(' x ')}  ${pct(i.importance)}  [${pct(i.ci95[0])}, ${pct(i.ci95[1])}]  n=${i.n}`,
    );
  for (const w of r.warnings) out.push(`note: ${w}`);
  console.log(out.join('\n'));
}
