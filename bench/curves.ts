/**
 * How well the monitor reads loss curves: every kill policy replayed on the labelled corpus
 * (bench/curves/corpus.json, made by bench/curves/generate.ts), side by side with the anchors' rules.
 *
 *   npx tsx bench/curves.ts [--split all|tune|held-out] [--detail]
 *
 * Prints a markdown table per split (the rules were tuned on `tune`; `held-out` is the honest number) and,
 * with --detail, each run's fate under Flywheel's rules. Scoring: bench/curves/score.ts.
 */
import { defaultRules } from '../src/monitor/index.ts';
import { behindBaselineRule, divergenceRule, nanRule, spikeRule, stallRule } from '../src/monitor/index.ts';
import type { MonitorRule } from '../src/monitor/base.ts';
import { killLossSpikeRule, medianPrunerRule } from './curves/anchors.ts';
import { corpusEntries, type SplitName } from './curves/entries.ts';
import { loadCorpus } from './curves/format.ts';
import { dominates, scorePolicy, type Entry, type Summary } from './curves/score.ts';

interface Policy {
  name: string;
  rules: (e: Entry) => MonitorRule[];
}

const PREVIOUS_RULES = () => [nanRule(), divergenceRule(), spikeRule(), stallRule(), behindBaselineRule()];

export const POLICIES: Policy[] = [
  { name: 'Flywheel monitor', rules: () => defaultRules() },
  { name: 'Flywheel, previous rules', rules: PREVIOUS_RULES },
  { name: 'Optuna MedianPruner', rules: (e) => [medianPrunerRule(e.baselines.map((c) => c.eval))] },
  { name: 'llm-foundry KillLossSpike', rules: () => [killLossSpikeRule()] },
  { name: 'never kill', rules: () => [] },
];

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(0)} %` : 'n/a');

function row(name: string, s: Summary): string {
  return `| ${name} | ${s.killed}/${s.failing} (${pct(s.recall)}) | ${pct(s.medianKillFrac)} | ${pct(s.medianSpentFrac)} | ${s.falseKills}/${s.healthy} (${pct(s.falseKills / s.healthy)}) | ${s.scaryFalseKills}/${s.scary} | ${pct(s.savedFrac)} | ${pct(s.lostFrac)} |`;
}

function table(split: SplitName, detail: boolean): void {
  const corpus = loadCorpus();
  const entries = corpusEntries(corpus, split);
  console.log(`\n### ${split} (${entries.length} runs)\n`);
  console.log(
    '| policy | failing killed | median kill (of budget) | median spent, all failing | healthy killed | scary killed | saved | lost |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  const results = POLICIES.map((p) => ({ p, ...scorePolicy(entries, p.rules) }));
  for (const r of results) console.log(row(r.p.name, r.summary));
  const ours = results[0].summary;
  const anchors = results.slice(2, 4);
  console.log(
    `\nFlywheel beats ${
      anchors
        .filter((a) => dominates(ours, a.summary))
        .map((a) => a.p.name)
        .join(', ') || 'no anchor'
    } on both axes at once.`,
  );
  if (!detail) return;
  console.log('\n| run | label | Flywheel | kill at | human kill at | message |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const o of results[0].outcomes) {
    const at = o.killed ? (o.spentTokens / o.budgetTokens).toFixed(2) : '-';
    const human = o.humanKillTokens !== undefined ? (o.humanKillTokens / o.budgetTokens).toFixed(2) : '-';
    console.log(`| ${o.id} | ${o.label} | ${o.rule ?? 'survived'} | ${at} | ${human} | ${o.message ?? ''} |`);
  }
}

const i = process.argv.indexOf('--split');
const splits: SplitName[] = i >= 0 ? [process.argv[i + 1] as SplitName] : ['held-out', 'tune', 'all'];
for (const s of splits) table(s, process.argv.includes('--detail'));
