/**
 * The BENCHMARKS.md section: both regimes side by side (re-run val bpb of each method's pick, compute to
 * reach random search's final best, and in regime b the pick's true value, false keeps and missed wins),
 * then per regime the per-seed rows and one line per session.
 */
import { fmtBpb, type MethodName, type MethodResult } from './context.ts';
import { ALL_METHODS, type Regime } from './options.ts';
import { plantedWins } from './planted-accounting.ts';
import { rerunStats, rows, summarize, type BenchResults, type RegimeResults } from './results.ts';
import { MIN_RUN_STEPS } from '../../src/config/search-space.ts';
import { SCREEN_SHARE } from '../../src/researchers/screening-design.ts';

export const LABEL: Record<MethodName, string> = {
  random: 'random search',
  greedy: 'greedy keep-if-better',
  tpe: 'TPE + successive halving',
  flywheel: 'Flywheel offline',
};

const ratio = (x: number | null) => (x === null ? 'not reached' : `${x.toFixed(2)}×`);
const signed = (x: number | null) => (x === null ? '—' : `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`);
const pct = (x: number) => `${(100 * x).toFixed(0)} %`;

function describeChange(change: Record<string, unknown>): string {
  const parts = Object.entries(change).map(
    ([k, v]) =>
      `${k.replace(/^(optim|schedule|model|train|data)\./, '')}=${typeof v === 'number' ? Number(v.toPrecision(3)) : String(v)}`,
  );
  if (parts.length === 0) return 'base config';
  return parts.length > 4 ? `${parts.slice(0, 4).join(', ')} (+${parts.length - 4})` : parts.join(', ');
}

export function commandOf(r: RegimeResults): string {
  const o = r.options;
  const scale =
    r.regime === 'a'
      ? ` --preset ${o.preset} --full-tokens ${o.fullTokens}`
      : o.plantedSigma !== 0.002
        ? ` --planted-sigma ${o.plantedSigma}`
        : '';
  // the options that moved the run are printed, so the command reproduces it
  const seeds = o.sessionSeeds.every((s, i) => s === i + 1)
    ? `--seeds ${o.sessionSeeds.length}`
    : `--seed-list ${o.sessionSeeds.join(',')}`;
  const flywheel =
    ((o.flywheelSessions ?? 1) > 1 ? ` --flywheel-sessions ${o.flywheelSessions}` : '') +
    (o.screen === false ? ' --no-screen' : ''); // undefined in results stored before the option
  return `npx tsx bench/research-efficiency.ts --regime ${r.regime} ${seeds}${scale} --budget-runs ${o.budgetRuns}${flywheel} --rerun-seeds ${o.rerunSeeds}`;
}

function provenance(r: RegimeResults): string {
  const m = r.machine;
  const when = [...new Set(r.methods.map((x) => x.date ?? m.date))];
  return (
    `\`${commandOf(r)}\` — ${m.cpus}, Node ${m.node}, torch ${m.torch}; ` +
    (when.length > 1
      ? `methods run on different days (${ALL_METHODS.filter((k) => r.methods.some((x) => x.method === k))
          .map(
            (k) =>
              `${LABEL[k]}: ${[...new Set(r.methods.filter((x) => x.method === k).map((x) => x.date ?? m.date))].join(', ')}`,
          )
          .join('; ')})`
      : m.date) +
    // the rows' own sessions: the stored wall time also counts every earlier invocation that wrote
    // this file, rows since replaced included
    `; the sessions in the table ran ${(r.methods.reduce((s, x) => s + (x.wallSeconds ?? 0), 0) / 60).toFixed(1)} min of wall time (re-runs not included)`
  );
}

function sideBySide(res: BenchResults): string[] {
  const a = res.regimes.a;
  const b = res.regimes.b;
  const sa = a ? summarize(a, ALL_METHODS) : [];
  const sb = b ? summarize(b, ALL_METHODS) : [];
  const baseA = a ? rerunStats(a, a.base).mean : null;
  const baseB = b ? rerunStats(b, b.base).mean : null;
  const L = [
    "| method | (a) re-run val bpb, mean ± sd over session seeds | (a) Δ vs base | (a) compute to reach random's best | (b) re-run val bpb, mean ± sd over session seeds | (b) true val bpb of the pick | (b) compute to reach random's best (true values) | (b) false keeps / kept, per seed | (b) missed wins per seed |",
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const method of ALL_METHODS) {
    const x = sa.find((s) => s.method === method && s.seeds > 0);
    const y = sb.find((s) => s.method === method && s.seeds > 0);
    const colsA = x
      ? [
          `**${fmtBpb(x.bpb)}**${x.bpbSd !== null ? ` ± ${fmtBpb(x.bpbSd)}` : ''}`,
          signed(x.bpb !== null && baseA !== null ? x.bpb - baseA : null),
          `${ratio(x.reach)} (${x.reached}/${x.seeds})`,
        ]
      : ['not run', '', ''];
    const colsB = y
      ? [
          `**${fmtBpb(y.bpb)}**${y.bpbSd !== null ? ` ± ${fmtBpb(y.bpbSd)}` : ''}`,
          `${fmtBpb(y.pickTrue)} (${signed(y.pickTrue !== undefined && b?.world ? y.pickTrue - plantedBaseTrue(b) : null)})`,
          `${ratio(y.reach)} (${y.reached}/${y.seeds})`,
          y.falseKeeps!.map((f, i) => `${f}/${y.kept![i]}`).join(', '),
          `${y.missed!.join(', ')} of ${y.wins}`,
        ]
      : ['not run', '', '', '', ''];
    L.push(`| ${LABEL[method]} | ${[...colsA, ...colsB].join(' | ')} |`);
  }
  if (baseA !== null || baseB !== null)
    L.push(
      `| base config | ${fmtBpb(baseA)} | | | ${fmtBpb(baseB)} | ${b ? fmtBpb(plantedBaseTrue(b)) : ''} | | | |`,
    );
  return L;
}

const plantedBaseTrue = (b: RegimeResults) => rows(b, ['random'])[0]?.planted?.baseTrue ?? Number.NaN;

function perSeed(r: RegimeResults): string[] {
  const base = rerunStats(r, r.base);
  const planted = r.regime === 'b';
  const L = [
    `| session seed | method | FLOPs spent (× budget) | runs (failed) | pick | its own estimate (n) | re-run val bpb, mean ± std | Δ vs base | to reach random's best |${planted ? ' true val bpb of the pick | kept changes: true effects (false keeps in bold) | missed wins |' : ''}`,
    `|---:|---|---:|---:|---|---:|---:|---:|---:|${planted ? '---:|---|---|' : ''}`,
  ];
  for (const x of rows(r, ALL_METHODS)) {
    const d = x.rerun.mean !== null && base.mean !== null ? x.rerun.mean - base.mean : null;
    const cells = [
      x.seed,
      LABEL[x.method],
      (x.m.flopsUsed / r.budgetFlops).toFixed(2),
      `${x.m.runs} (${x.m.failedRuns})`,
      describeChange(x.m.pick.change),
      `${fmtBpb(x.m.pick.observed)} (${x.m.pick.n})`,
      `${fmtBpb(x.rerun.mean)} ± ${fmtBpb(x.rerun.std)}`,
      signed(d),
      `${ratio(x.reach.fraction)}${x.reach.byBase ? ' (base config)' : ''}`,
    ];
    if (x.planted)
      cells.push(
        fmtBpb(x.planted.pickTrue),
        x.planted.kept.length
          ? x.planted.kept
              .map((k) =>
                k.falseKeep ? `**${k.title} ${signed(k.trueEffect)}**` : `${k.title} ${signed(k.trueEffect)}`,
              )
              .join('; ')
          : 'none',
        x.planted.missed.length ? x.planted.missed.join(', ') : 'none',
      );
    L.push(`| ${cells.join(' | ')} |`);
  }
  return L;
}

function sessionLines(r: RegimeResults): string[] {
  const L: string[] = [];
  for (const m of r.methods.filter((x) => x.method === 'flywheel')) L.push(flywheelLine(m));
  for (const m of r.methods.filter((x) => x.method === 'greedy')) {
    const e = (m.extra ?? {}) as { kept?: number; stopReason?: string };
    L.push(`- greedy, seed ${m.sessionSeed}: ${m.runs} runs, ${e.kept} kept, stopped: ${e.stopReason}.`);
  }
  for (const m of r.methods.filter((x) => x.method === 'tpe')) {
    const e = (m.extra ?? {}) as { completed?: number; prunedAtRung?: number[] };
    L.push(
      `- TPE + successive halving, seed ${m.sessionSeed}: ${m.runs} trials, ${e.completed} reached the full budget, pruned per rung ${(e.prunedAtRung ?? []).join(' / ')}.`,
    );
  }
  return L;
}

function flywheelLine(m: MethodResult): string {
  const e = (m.extra ?? {}) as Record<string, unknown>;
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
    { total: number; wins: number; losses: number; inconclusive: number; studyPoints?: number } | undefined;
  const rebases = typeof e.rebases === 'number' ? `, ${e.rebases} re-bases` : '';
  const sc = e.screening as
    { rows: number; factors: string[]; rowsRun?: number; guess?: { valBpb: number } } | undefined;
  const guess = sc?.guess ? `, best guess at the full budget ${fmtBpb(sc.guess.valBpb)}` : '';
  const study = sc
    ? `; screening study: ${sc.rowsRun ?? p?.studyPoints ?? sc.rows - 1} rows over ${sc.factors.length} changes${guess}`
    : '';
  const by = e.fullRunsByPurpose as Record<string, number> | undefined;
  const spent = by
    ? `; full runs spent: ${Object.entries(by)
        .sort((x, y) => y[1] - x[1])
        .map(([k, v]) => `${PURPOSE_WORDS[k] ?? k} ${v.toFixed(1)}`)
        .join(', ')} (on ideas a re-base dropped: ${((e.fullRunsDropped as number) ?? 0).toFixed(1)})`
    : '';
  return (
    `- Flywheel, seed ${m.sessionSeed}: baseline ${fmtBpb(b?.valBpb)} ± ${fmtBpb(b?.std)} (n=${b?.n}); ` +
    `baseline trials ${pct((e.baselineFlopsShare as number) ?? 0)} of the FLOPs; ${p?.total ?? 0} proposals (${p?.wins ?? 0} wins, ${p?.losses ?? 0} losses, ${p?.inconclusive ?? 0} inconclusive)${study}${rebases}${spent}; ` +
    `best: ${best ? `${best.title}, Δ ${signed(best.delta)} [${best.ci95 ? best.ci95.map((v) => v.toFixed(4)).join(', ') : '—'}], n=${best.n}, ${best.confirmed ? 'confirmed win' : best.verdict}` : '—'}.` +
    backToBack(e.sessions)
  );
}

/** With --flywheel-sessions the line above is the last session's; this names what each one did. */
function backToBack(sessions: unknown): string {
  if (!Array.isArray(sessions)) return '';
  const each = (sessions as Array<Record<string, unknown>>).map((s, i) => {
    const list = (k: string) => ((s[k] as string[] | undefined) ?? []).join('; ');
    const parts = [
      `from ${String(s.start)}`,
      `${Number(s.rebases ?? 0)} re-bases`,
      list('continued') && `continued ${list('continued')}`,
      list('wins') && `wins ${list('wins')}`,
      list('leftOpen') && `left open ${list('leftOpen')}`,
    ];
    return `${i + 1}) ${parts.filter(Boolean).join(', ')}`;
  });
  return ` Sessions back to back: ${each.join('; ')}.`;
}

const PURPOSE_WORDS: Record<string, string> = {
  baseline: 'base seeds',
  study: 'study rows',
  guess: 'best guess',
  explore: 'successive halving',
  seeds: 'decision seeds at the full budget',
  confirm: 'held-out confirmations',
  ablation: 'ablation',
  ladder: 'size ladder',
};

function setup(res: BenchResults): string {
  const a = res.regimes.a;
  const b = res.regimes.b;
  const o = (a ?? b)!.options;
  const parts = [
    `Each method gets ${o.budgetRuns} full runs' FLOPs per session seed, in its own FLYWHEEL_HOME; every FLOP counts (Flywheel's baseline seeds, extra seeds and confirmations; the pruned parts of TPE trials). ` +
      "Every method searches the product's default space sized to the full run (src/config/search-space.ts `sizedToRun`: warmup from 0 to half the run, " +
      `batch from a quarter of the base's to what leaves ${MIN_RUN_STEPS} optimizer steps). ` +
      'Random search: random configs over the knobs TPE searches, 1 seed, full budget; pick = best run. ' +
      'Greedy: one full-budget single-seed run at a time, changes from the OfflineResearcher (idea library + TPE), kept when the run beats the current single value; pick = final kept config. ' +
      `TPE + successive halving (the Optuna recipe, no statistics): the product's TPE proposes whole configs, each trial one full-budget run pruned at the rungs by Optuna's asynchronous successive-halving rule (eta ${o.eta}); pick = best completed run. ` +
      `Flywheel: \`ResearchSession\` + OfflineResearcher, ${o.rungs} rungs × eta ${o.eta}, ${o.baselineSeeds} baseline seeds, the screening study sized as the CLI sizes it (the largest design whose rows at the study rung fit in ${Math.round(SCREEN_SHARE * 100)} % of the budget); pick = what it keeps: summary \`best\` when it is a confirmed win, else its base config at the end. ` +
      `Re-run: every pick and the base config at the full budget on ${o.rerunSeeds} fresh seeds shared by all. ` +
      "Compute to reach random's best: FLOPs spent when the method's incumbent first reached random search's final best, ÷ random search's total FLOPs (mean over the seeds that reached it).",
  ];
  if (a)
    parts.push(
      `Regime (a): the real trainer, preset \`${a.options.preset}\` on the default dataset, one full run = ${a.fullTokens.toLocaleString('en')} tokens = ${a.fullFlops.toExponential(2)} FLOPs; incumbents are observed values.`,
    );
  if (b && b.world) {
    const wins = plantedWins(b.world, b.base);
    parts.push(
      `Regime (b), planted: bench/research-efficiency/planted_trainer.py, a real process speaking the run protocol, trains nothing and reports a known function of the config plus seed noise (σ = ${b.world.sigma} bpb at the full budget; the function: planted-world.ts), the \`small\` preset at ${b.fullTokens.toLocaleString('en')} tokens. ` +
        `Effects add up over knobs; ${wins.length} planted wins (${wins.map((w) => `${w.label} ${w.gain.toFixed(4)}`).join(', ')}), nulls (QK-norm, weight decay, width, heads, embedLr), harmful changes (AdamW, GELU, LayerNorm, depth, LRs far off). ` +
        'A kept change: a greedy keep, a Flywheel confirmed win (stacks counted by their parts), the random / TPE pick as one change; a false keep has a true effect ≥ 0. ' +
        "A missed win: a planted win the pick does not capture half of. Compute to reach random's best uses true values (the incumbent's true value vs random's pick's).",
    );
  }
  return parts.join('\n\n');
}

export function renderSection(res: BenchResults, notes = ''): string {
  const L: string[] = [];
  const regimes = (['a', 'b'] as Regime[]).filter((k) => res.regimes[k]);
  for (const k of regimes) L.push(`Regime (${k}): ${provenance(res.regimes[k]!)}.`, '');
  L.push(setup(res), '', ...sideBySide(res), '');
  for (const k of regimes) {
    const r = res.regimes[k]!;
    L.push(`Regime (${k}), per session seed:`, '', ...perSeed(r), '', ...sessionLines(r), '');
  }
  if (notes.trim()) L.push(notes.trim());
  return L.join('\n').trim();
}
