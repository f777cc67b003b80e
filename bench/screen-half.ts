/**
 * `npx tsx bench/screen-half.ts --work DIR [--regime a|b]`: would a screen stopped at its half have
 * found the stack the whole screen found? Read from the Flywheel homes a run of
 * `bench/research-efficiency.ts --work DIR` left (`DIR/<regime>/s<seed>-flywheel`), no new runs.
 *
 * Why it is a question: a 24-run session re-bases onto the screen's stack at about 19.6 of its full
 * runs, and the 31 rows cost 10.3 of them (BENCHMARKS.md "Research efficiency: two regimes"). The
 * design's columns are odd-weight masks of the Sylvester–Hadamard matrix (analysis/factorial.ts), so
 * its first half, the rows whose top bit is 0, is itself an orthogonal design: the factor on that bit
 * is off throughout, and the others keep distinct columns (a mask with the top bit loses it and becomes
 * an even-weight column, so that half is resolution III, each such main effect aliased with one
 * two-factor interaction). Fitting it alone says what a screen that stopped there would have stacked.
 *
 * Each stored session's first screen is fitted twice, as the engine fits it (analysis/factorial.ts
 * `fitScreen`): every row (the design's own size: the residual contrasts' noise), and the first half
 * only (by regression: a half has too few residual columns for the contrasts).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { designMasks, designRow, fitScreen, type MainEffectsFit } from '../src/analysis/factorial.ts';
import { BASELINE, type SessionState } from '../src/research/core/state.ts';
import { ROW_TITLE, SCREEN_SOURCE } from '../src/researchers/screening-design.ts';
import { openStore } from '../src/store/open.ts';

const { values: args } = parseArgs({
  options: { work: { type: 'string' }, regime: { type: 'string', default: 'a' } },
});
if (!args.work) throw new Error('--work DIR is required: the --work of a bench/research-efficiency.ts run');
const dir = join(args.work, args.regime!);
if (!existsSync(dir)) throw new Error(`${dir} does not exist: run bench/research-efficiency.ts --work first`);

const ROW = new RegExp(`^${ROW_TITLE} (\\d+)/(\\d+): (.*)$`);
// the study's plan note (screening-study.ts `plan`), with or without its note on rows an earlier session ran
const FACTORS = /^screening study: (\d+) rows over (\d+) changes \((.*?)\)(?:; .*)?$/;

interface Screen {
  factors: string[];
  rows: number;
  runs: Array<{ row: number; on: boolean[]; y: number }>;
}

/** The first screen of a home's first session: its factors, size and measured rows (row 0 the base). */
async function firstScreen(home: string): Promise<Screen | undefined> {
  const store = await openStore({ home });
  try {
    const [s] = (await store.listSessions()).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    if (!s) return undefined;
    const note = (await store.listJournal(s.id, { kinds: ['note'] }))
      .map((e) => FACTORS.exec(e.title))
      .find((m) => m !== null);
    if (!note) return undefined;
    const factors = note[3].split(/, (?=[A-Z])/);
    if (factors.length !== Number(note[2])) throw new Error(`${home}: cannot read the factor list`);
    const rows = Number(note[1]) + 1;
    const masks = designMasks(factors.length, rows);
    const state = s.state as unknown as SessionState;
    const runs: Screen['runs'] = [];
    let rung: string | undefined;
    let seed: number | undefined;
    for (const p of state.proposals.filter((x) => x.source === SCREEN_SOURCE)) {
      const m = ROW.exec(p.title);
      const t = state.trials.find((x) => x.proposalId === p.id);
      const [r, y] = Object.entries(t?.results ?? {})[0] ?? [];
      if (!m || !t || typeof y !== 'number') continue;
      const row = Number(m[1]);
      const on = designRow(row, masks);
      const named = new Set(m[3].split(' + '));
      if (!factors.every((f, j) => on[j] === named.has(f)))
        throw new Error(`${home}: row ${row} is not the design's`);
      runs.push({ row, on, y });
      rung = r;
      seed = t.seed;
    }
    const base = state.trials.find(
      (t) => t.proposalId === BASELINE && t.seed === seed && rung && rung in t.results,
    );
    if (base && rung) runs.push({ row: 0, on: factors.map(() => false), y: base.results[rung] });
    return { factors, rows, runs };
  } finally {
    await store.close();
  }
}

/** The selected factors, each with its effect's t statistic (effect / se). */
const selected = (fit: MainEffectsFit | undefined, names: string[]): string =>
  fit
    ? names
        .flatMap((n, j) => (fit.factors[j].selected ? [`${n} (t ${(-fit.factors[j].t).toFixed(1)})`] : []))
        .join(', ') || 'nothing'
    : 'no fit';

const homes = readdirSync(dir)
  .filter((d) => /^s\d+-flywheel$/.test(d))
  .sort((a, b) => parseInt(a.slice(1)) - parseInt(b.slice(1)));
console.log(
  `| session seed | rows | the whole screen selects | its first half (rows) selects | per-run sd, whole / half |`,
);
console.log(`| ---: | ---: | --- | --- | --- |`);
for (const h of homes) {
  const sc = await firstScreen(join(dir, h));
  if (!sc) {
    console.log(`| ${parseInt(h.slice(1))} | | no screen | | |`);
    continue;
  }
  const whole = fitScreen(sc.runs, sc.factors.length, 0.05, sc.rows);
  const half = sc.runs.filter((r) => r.row < sc.rows / 2);
  // factors constant over the half (the top bit's) drop out of its fit
  const keep = sc.factors.map((_, j) => j).filter((j) => new Set(half.map((r) => r.on[j])).size > 1);
  const halfFit = fitScreen(
    half.map((r) => ({ on: keep.map((j) => r.on[j]), y: r.y })),
    keep.length,
  );
  const halfNames = keep.map((j) => sc.factors[j]);
  console.log(
    `| ${parseInt(h.slice(1))} | ${sc.runs.length} of ${sc.rows} | ${selected(whole, sc.factors)} | ` +
      `${selected(halfFit, halfNames)} (${half.length}) | ` +
      `${whole?.sigma.toFixed(4) ?? '–'} / ${halfFit?.sigma.toFixed(4) ?? '–'} |`,
  );
}
