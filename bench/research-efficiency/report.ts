/**
 * Numbers and the BENCHMARKS.md section: per session seed and method, the re-run of the pick on fresh
 * seeds, and the compute each method needed to reach random search's final best.
 */
import { mean, sampleStd } from '../../src/stats/summary.ts';
import { fmtBpb, type MethodName, type MethodResult, type TracePoint } from './context.ts';
import { rerunKey, type RerunValues } from './rerun.ts';
import type { BenchOptions } from './options.ts';
import type { TrainConfig } from '../../src/config/train-config.ts';

export interface BenchResults {
  key: string; // experimentKey(options)
  options: BenchOptions;
  machine: {
    cpus: string;
    node: string;
    torch: string;
    date: string;
    loadStart: number[];
    loadEnd?: number[];
    wallSeconds?: number;
  };
  base: TrainConfig;
  fullFlops: number;
  budgetFlops: number;
  methods: MethodResult[];
  rerunSeeds: number[];
  rerun: RerunValues;
}

export const METHODS: MethodName[] = ['random', 'greedy', 'flywheel'];
const LABEL: Record<MethodName, string> = {
  random: 'random search',
  greedy: 'greedy keep-if-better',
  flywheel: 'Flywheel offline',
};

export interface Reach {
  fraction: number | null; // FLOPs at first reach / random's total FLOPs; null = not reached
  byBase: boolean;
}

/**
 * First point of `trace` at or below `target`, as a fraction of `total` FLOPs. `changedOnly`: count only
 * values of changed configs (the base config's own runs left out).
 */
export function reachOf(trace: TracePoint[], target: number, total: number, changedOnly = false): Reach {
  const hit = trace.find((p) => (changedOnly ? (p.changed ?? Infinity) : p.incumbent) <= target + 1e-12);
  return hit
    ? { fraction: hit.flops / total, byBase: !changedOnly && Boolean(hit.byBase) }
    : { fraction: null, byBase: false };
}

export function rerunStats(
  r: BenchResults,
  config: TrainConfig,
): { mean: number | null; std: number | null; n: number } {
  const v = r.rerunSeeds
    .map((s) => r.rerun[rerunKey(config, s)])
    .filter((x): x is number => typeof x === 'number');
  return { mean: v.length ? mean(v) : null, std: v.length > 1 ? sampleStd(v) : null, n: v.length };
}

const pct = (x: number) => `${(100 * x).toFixed(0)} %`;
const ratio = (x: number | null) => (x === null ? 'not reached' : `${x.toFixed(2)}×`);
const signed = (x: number | null) => (x === null ? '—' : `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`);

function describeChange(change: Record<string, unknown>): string {
  const parts = Object.entries(change).map(
    ([k, v]) =>
      `${k.replace(/^(optim|schedule|model|train|data)\./, '')}=${typeof v === 'number' ? Number(v.toPrecision(3)) : String(v)}`,
  );
  if (parts.length === 0) return 'base config';
  return parts.length > 4 ? `${parts.slice(0, 4).join(', ')} (+${parts.length - 4})` : parts.join(', ');
}

export interface Row {
  seed: number;
  method: MethodName;
  m: MethodResult;
  rerun: ReturnType<typeof rerunStats>;
  reach: Reach;
  reachByChange: Reach;
}

export function rows(r: BenchResults): Row[] {
  const out: Row[] = [];
  for (const seed of r.options.sessionSeeds) {
    const rand = r.methods.find((m) => m.sessionSeed === seed && m.method === 'random');
    for (const method of METHODS) {
      const m = r.methods.find((x) => x.sessionSeed === seed && x.method === method);
      if (!m || !rand || rand.finalObserved === null) continue;
      out.push({
        seed,
        method,
        m,
        rerun: rerunStats(r, m.pick.config),
        reach: reachOf(m.trace, rand.finalObserved, rand.flopsUsed),
        reachByChange: reachOf(m.trace, rand.finalObserved, rand.flopsUsed, true),
      });
    }
  }
  return out;
}

export function renderSection(r: BenchResults, notes = ''): string {
  const o = r.options;
  const base = rerunStats(r, r.base);
  const all = rows(r);
  const cmd = `npx tsx bench/research-efficiency.ts${o.quick ? ' --quick' : ''} --seeds ${o.sessionSeeds.length} --full-tokens ${o.fullTokens} --budget-runs ${o.budgetRuns} --rerun-seeds ${o.rerunSeeds}`;
  const L: string[] = [];
  L.push(
    `Command: \`${cmd}\` — ${r.machine.cpus}, Node ${r.machine.node}, torch ${r.machine.torch}, ${r.machine.date}; wall ${((r.machine.wallSeconds ?? 0) / 60).toFixed(0)} min, load average ${r.machine.loadStart.map((x) => x.toFixed(1)).join('/')} at the start${r.machine.loadEnd ? `, ${r.machine.loadEnd.map((x) => x.toFixed(1)).join('/')} at the end` : ''} (shared machine: every comparison is in training FLOPs, not seconds).`,
  );
  L.push('');
  L.push(
    `Setup: preset \`${o.preset}\` on the default dataset; one full run = ${o.fullTokens.toLocaleString('en')} tokens = ${r.fullFlops.toExponential(2)} FLOPs; each method gets ${o.budgetRuns} full runs' FLOPs (${r.budgetFlops.toExponential(2)}) per session seed, ${o.sessionSeeds.length} session seed(s), every method in its own FLYWHEEL_HOME. ` +
      `Random search: random configs over the ${'knobs TPE searches'} (shape and mixture excluded), 1 seed, full budget, ${o.parallel} at a time; pick = best run. ` +
      `Greedy: one full-budget single-seed run at a time, changes proposed by the OfflineResearcher (same idea library + TPE), kept when the single run beats the current single value; pick = final kept config. ` +
      `Flywheel: \`ResearchSession\` + OfflineResearcher, ${o.parallel} slots, the same FLOPs budget, rungs ${o.rungs} × eta ${o.eta} of the full budget, ${o.baselineSeeds} baseline seeds; pick = summary \`best\` when it is a confirmed win or beats the baseline mean, else the base config. ` +
      `Every FLOP counts (Flywheel's baseline seeds, extra seeds and confirmations included). Re-run: each pick and the base config at the full budget on ${r.rerunSeeds.length} fresh seeds shared by all (${r.rerunSeeds.join(', ')}).`,
  );
  L.push('');
  L.push(
    `Base config, re-run on the same ${base.n} seeds: **${fmtBpb(base.mean)} ± ${fmtBpb(base.std)}** val bpb.`,
  );
  L.push('');
  L.push(
    "Compute to reach random's best = FLOPs spent (finished runs) when the method's incumbent first reached ≤ random search's final observed best, ÷ random search's total FLOPs (random: when it found its best). " +
      'Incumbent: random = best run so far; greedy = current kept single value; Flywheel = lowest mean top-rung val bpb of any proposal so far. ' +
      '"(base config)": reached by the base config\'s own runs, before any change; the last column leaves those out (a changed config must reach it).',
  );
  L.push('');
  L.push(
    "| session seed | method | FLOPs spent (× budget) | runs (failed) | pick | its own estimate (n) | re-run val bpb, mean ± std | Δ vs base | to reach random's best | same, by a changed config |",
  );
  L.push('|---:|---|---:|---:|---|---:|---:|---:|---:|---:|');
  for (const x of all) {
    const d = x.rerun.mean !== null && base.mean !== null ? x.rerun.mean - base.mean : null;
    const reach = `${ratio(x.reach.fraction)}${x.reach.byBase ? ' (base config)' : ''}`;
    L.push(
      `| ${x.seed} | ${LABEL[x.method]} | ${(x.m.flopsUsed / r.budgetFlops).toFixed(2)} | ${x.m.runs} (${x.m.failedRuns}) | ${describeChange(x.m.pick.change)} | ${fmtBpb(x.m.pick.observed)} (${x.m.pick.n}) | ${fmtBpb(x.rerun.mean)} ± ${fmtBpb(x.rerun.std)} | ${signed(d)} | ${reach} | ${ratio(x.reachByChange.fraction)} |`,
    );
  }
  L.push('');
  L.push(
    'Means over session seeds (re-run val bpb: mean of the per-seed means; compute ratio: mean over the seeds where it was reached):',
  );
  L.push('');
  L.push(
    "| method | re-run val bpb | Δ vs base | compute to reach random's best | reached | same, by a changed config | reached |",
  );
  L.push('|---|---:|---:|---:|---:|---:|---:|');
  const summary: Record<
    string,
    {
      bpb: number | null;
      reach: number | null;
      reached: number;
      byChange: number | null;
      reachedByChange: number;
    }
  > = {};
  for (const method of METHODS) {
    const xs = all.filter((x) => x.method === method);
    const bpbs = xs.map((x) => x.rerun.mean).filter((v): v is number => v !== null);
    const reached = xs.map((x) => x.reach.fraction).filter((v): v is number => v !== null);
    const byChange = xs.map((x) => x.reachByChange.fraction).filter((v): v is number => v !== null);
    const bpb = bpbs.length ? mean(bpbs) : null;
    const sm = {
      bpb,
      reach: reached.length ? mean(reached) : null,
      reached: reached.length,
      byChange: byChange.length ? mean(byChange) : null,
      reachedByChange: byChange.length,
    };
    summary[method] = sm;
    L.push(
      `| ${LABEL[method]} | **${fmtBpb(bpb)}** | ${signed(bpb !== null && base.mean !== null ? bpb - base.mean : null)} | ${ratio(sm.reach)} | ${sm.reached}/${xs.length} | ${ratio(sm.byChange)} | ${sm.reachedByChange}/${xs.length} |`,
    );
  }
  L.push('');
  const fw = summary.flywheel;
  const goal = fw.reached === o.sessionSeeds.length && fw.reach !== null && fw.reach <= 0.4;
  const goalByChange =
    fw.reachedByChange === o.sessionSeeds.length && fw.byChange !== null && fw.byChange <= 0.4;
  const n = o.sessionSeeds.length;
  L.push(
    `Goal (Flywheel reaches random search's final best with ≤ 0.4× its compute): **${goal ? 'met' : 'not met'}** as measured (Flywheel ${ratio(fw.reach)}, ${fw.reached}/${n} seeds; greedy ${ratio(summary.greedy.reach)}, ${summary.greedy.reached}/${n}; random ${ratio(summary.random.reach)}); ` +
      `**${goalByChange ? 'met' : 'not met'}** when only changed configs count (Flywheel ${ratio(fw.byChange)}, ${fw.reachedByChange}/${n}; greedy ${ratio(summary.greedy.byChange)}, ${summary.greedy.reachedByChange}/${n}).`,
  );
  L.push('');
  L.push('Flywheel sessions:');
  L.push('');
  for (const m of r.methods.filter((x) => x.method === 'flywheel')) {
    const e = (m.extra ?? {}) as Record<string, never> & Record<string, unknown>;
    const b = e.baseline as { valBpb: number | null; std: number | null; n: number } | undefined;
    const best = e.best as {
      title: string;
      delta: number | null;
      ci95: [number, number] | null;
      n: number;
      verdict: string;
      confirmed: boolean;
    } | null;
    const p = e.proposals as
      { total: number; wins: number; losses: number; inconclusive: number } | undefined;
    L.push(
      `- seed ${m.sessionSeed}: rungs ${(e.rungTokens as number[]).join(' / ')} tokens; baseline ${fmtBpb(b?.valBpb)} ± ${fmtBpb(b?.std)} (n=${b?.n}); ` +
        `baseline trials took ${pct(e.baselineFlopsShare as number)} of the FLOPs spent; ${p?.total ?? 0} proposals (${p?.wins ?? 0} wins, ${p?.losses ?? 0} losses, ${p?.inconclusive ?? 0} inconclusive), ` +
        `${e.monitorStops} monitor stops, ${e.leftBehind} left behind, computeSavedByMonitor ${(e.computeSavedByMonitor as number).toFixed(2)}; ` +
        `best: ${best ? `${best.title}, Δ ${signed(best.delta)} [${best.ci95 ? best.ci95.map((v) => v.toFixed(4)).join(', ') : '—'}], n=${best.n}, ${best.confirmed ? 'confirmed win' : best.verdict}` : '—'}.`,
    );
  }
  L.push('');
  L.push('Greedy sessions:');
  L.push('');
  for (const m of r.methods.filter((x) => x.method === 'greedy')) {
    const e = (m.extra ?? {}) as { kept?: number; stopReason?: string; refused?: number };
    L.push(
      `- seed ${m.sessionSeed}: ${m.runs} runs, ${e.kept} kept, ${e.refused} proposals refused before any compute (duplicates), stopped: ${e.stopReason}; final kept: ${m.pick.title}.`,
    );
  }
  if (notes.trim()) {
    L.push('');
    L.push(notes.trim());
  }
  return L.join('\n');
}
