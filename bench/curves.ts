/**
 * How well the monitor reads loss curves: every kill policy replayed on the labelled corpus
 * (bench/curves/corpus.json, made by bench/curves/generate.ts), side by side with the anchors' rules.
 *
 *   npx tsx bench/curves.ts [--detail]
 *
 * Prints a markdown table per split: `held-out` (seeds the rules were not tuned on: the honest number),
 * `tune` (the seeds the thresholds were chosen on) and both together; with --detail, each run's fate
 * under Flywheel's rules. Scoring: bench/curves/score.ts.
 * Then "rules + researcher": Flywheel's rules with ambiguous stops (src/monitor/assess.ts) put to the
 * LLM researcher through its judge_curve tool: the scripted Messages-API double always, Claude too when
 * ANTHROPIC_API_KEY is set (bench/curves/researcher-judges.ts), with each call against the run's label.
 */
import type { MonitorRule } from '../src/monitor/base.ts';
import {
  behindBaselineRule,
  defaultRules,
  divergenceRule,
  nanRule,
  spikeRule,
  stallRule,
} from '../src/monitor/index.ts';
import { killLossSpikeRule, medianPrunerRule } from './curves/anchors.ts';
import { replayWithJudge, type Ask } from './curves/judge-replay.ts';
import { researcherJudges } from './curves/researcher-judges.ts';
import { corpusEntries } from './curves/entries.ts';
import { loadCorpus } from './curves/format.ts';
import { median } from '../src/stats/summary.ts';
import { dominates, replayEntry, summarize, type Entry, type Outcome, type Summary } from './curves/score.ts';

interface Policy {
  name: string;
  rules: (e: Entry) => MonitorRule[];
}

export const POLICIES: Policy[] = [
  { name: 'Flywheel monitor', rules: () => defaultRules() },
  {
    // the five rules as they were before this corpus existed (no grad-norm NaN, 5-point hard divergence,
    // no anneal-ahead room in behind-baseline)
    name: 'Flywheel, previous rules',
    rules: () => [
      nanRule({ checkGradNorm: false }),
      divergenceRule({ hardTailPoints: 5 }),
      spikeRule(),
      stallRule(),
      behindBaselineRule({ lrAheadGapRel: 0.02 }),
    ],
  },
  { name: 'Optuna MedianPruner', rules: (e) => [medianPrunerRule(e.baselines.map((c) => c.eval))] },
  { name: 'llm-foundry KillLossSpike', rules: () => [killLossSpikeRule()] },
  { name: 'never kill', rules: () => [] },
];

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(0)} %` : 'n/a');

function row(name: string, s: Summary): string {
  const healthy = `${s.falseKills}/${s.healthy} (${pct(s.falseKills / s.healthy)})`;
  return `| ${name} | ${s.killed}/${s.failing} (${pct(s.recall)}) | ${pct(s.medianKillFrac)} | ${pct(s.medianSpentFrac)} | ${healthy} | ${s.scaryFalseKills}/${s.scary} | ${pct(s.savedFrac)} | ${pct(s.lostFrac)} |`;
}

function table(title: string, results: { p: Policy; outcomes: Outcome[] }[]): void {
  const summaries = results.map((r) => ({ p: r.p, s: summarize(r.outcomes) }));
  console.log(`\n### ${title} (${results[0].outcomes.length} runs)\n`);
  console.log(
    '| policy | failing killed | median kill (of budget) | median spent, all failing | healthy killed | scary killed | saved | lost |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const { p, s } of summaries) console.log(row(p.name, s));
  const ours = summaries[0].s;
  const beaten = summaries.slice(2, 4).filter((a) => dominates(ours, a.s));
  console.log(
    `\nFlywheel beats ${beaten.map((a) => a.p.name).join(' and ') || 'no anchor'} on both axes at once (recall and time to kill, without more false kills).`,
  );
}

const entries = corpusEntries(loadCorpus());
const results = POLICIES.map((p) => ({ p, outcomes: entries.map((e) => replayEntry(e, p.rules(e))) }));
// rules + researcher: appended after the anchors (the tables compare row 0 with rows 2-3)
const { judges, skipped, close } = await researcherJudges();
const asks: Array<{ name: string; asks: Ask[]; calls: number; costUsd: number }> = [];
try {
  for (const j of judges) {
    const outcomes = [];
    const mine: Ask[] = [];
    for (const e of entries) {
      const r = await replayWithJudge(e, defaultRules(), j.judge);
      outcomes.push(r.outcome);
      if (r.ask) mine.push(r.ask);
    }
    results.push({ p: { name: j.name, rules: () => [] }, outcomes });
    asks.push({ name: j.name, asks: mine, ...j.usage() });
  }
} finally {
  await close();
}
const only = (split?: string) =>
  results.map((r) => ({ p: r.p, outcomes: r.outcomes.filter((o) => !split || o.split === split) }));
table('held-out seeds', only('held-out'));
table('tune seeds', only('tune'));
table('all', only());

// by recipe (all seeds): which rule, how early, against the human kill point and the anchors
console.log('\n### by recipe (all seeds)\n');
console.log(
  '| recipe | label | Flywheel kills | rule | median kill | median human kill | MedianPruner kills | KillLossSpike kills |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
const recipeOf = (id: string) => id.split('/')[0];
for (const recipe of [...new Set(entries.map((e) => recipeOf(e.id)))]) {
  const mine = (i: number) => results[i].outcomes.filter((o) => recipeOf(o.id) === recipe);
  const ours = mine(0);
  const killed = ours.filter((o) => o.killed);
  const rulesUsed = [...new Set(killed.map((o) => o.rule))].join(', ') || '-';
  const med = (xs: number[]) => (xs.length ? pct(median(xs)) : '-');
  const human = ours
    .filter((o) => o.humanKillTokens !== undefined)
    .map((o) => o.humanKillTokens! / o.budgetTokens);
  const count = (i: number) => `${mine(i).filter((o) => o.killed).length}/${ours.length}`;
  console.log(
    `| ${recipe} | ${ours[0].label} | ${killed.length}/${ours.length} | ${rulesUsed} | ${med(killed.map((o) => o.spentTokens / o.budgetTokens))} | ${med(human)} | ${count(2)} | ${count(3)} |`,
  );
}

// every ambiguous stop and the researcher's call on it, against the run's label
console.log('\n### ambiguous stops put to the researcher (all seeds)\n');
for (const line of skipped) console.log(`- ${line}`);
for (const a of asks) {
  const agree = a.asks.filter(
    (x) => (x.label === 'failing' && x.call === 'kill') || (x.label === 'healthy' && x.call !== 'kill'),
  ).length;
  console.log(
    `\n${a.name}: ${a.asks.length} ambiguous stop(s) in ${entries.length} runs, ${a.calls} model call(s), $${a.costUsd.toFixed(4)}; calls matching the label: ${agree}/${a.asks.length}\n`,
  );
  console.log('| run | label | rule that fired | at (of budget) | call | reason |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const x of a.asks)
    console.log(`| ${x.id} | ${x.label} | ${x.rule} | ${pct(x.at)} | ${x.call} | ${x.reason ?? ''} |`);
}

if (process.argv.includes('--detail')) {
  console.log('\n| run | split | label | Flywheel | kill at | human kill at | message |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const o of results[0].outcomes) {
    const at = o.killed ? (o.spentTokens / o.budgetTokens).toFixed(2) : '-';
    const human = o.humanKillTokens !== undefined ? (o.humanKillTokens / o.budgetTokens).toFixed(2) : '-';
    console.log(
      `| ${o.id} | ${o.split} | ${o.label} | ${o.rule ?? 'survived'} | ${at} | ${human} | ${o.message ?? ''} |`,
    );
  }
}
