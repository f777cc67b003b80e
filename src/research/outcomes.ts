/**
 * What a finished run means for its trial and proposal: a result at a rung (then promotion and
 * judging), a monitor kill, a failure, or a run cut short by the session ending. Every decision is
 * journaled with the run ids as evidence.
 */
import type { Decision } from '../monitor/base.ts';
import type { RunRecord } from '../store/base.ts';
import { formatEffect } from '../stats/describe.ts';
import { mean } from '../stats/summary.ts';
import { concludeReady } from './core/conclude.ts';
import { resultOf } from './core/digest.ts';
import { afterRung, cancelPending, newTrial } from './core/scheduler.ts';
import { stackWins } from './stack.ts';
import type { WorkItem } from './core/scheduler.ts';
import type { ResearchSession } from './session.ts';
import { BASELINE, proposalOf, valuesAt, type TrialState } from './core/state.ts';

export interface Outcome {
  item: WorkItem;
  run?: RunRecord;
  decision?: Extract<Decision, { action: 'stop' }>;
  error?: string;
  aborted?: string; // the session was stopping when this ended
  resumed?: boolean; // settled after a crash (no live decision available)
}

/** A run whose trainer reached its budget and reported a finite val bpb: a usable result. */
function resultOfRun(run: RunRecord): number | undefined {
  const trainerDone = run.summary.trainerStatus === 'completed' || run.status === 'completed';
  const v = run.summary.valBpb;
  return trainerDone && typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export async function handleOutcome(s: ResearchSession, o: Outcome): Promise<void> {
  const { state, spec } = s;
  const t = o.item.trial;
  const p = proposalOf(state, t.proposalId);
  const run = o.run;
  const runIds = run ? [run.id] : [];
  const value = run ? resultOfRun(run) : undefined;

  if (run) updateCalibration(s, run, p.cost);

  if (value !== undefined) {
    t.results[String(o.item.rung)] = value;
    t.rungRuns[String(o.item.rung)] = run!.id;
    const base = valuesAt(state, BASELINE, o.item.rung);
    const delta =
      t.proposalId !== BASELINE && base.length
        ? ` (${formatEffect(value - mean(base))} vs baseline mean)`
        : '';
    await s.journal.add(
      'result',
      `${t.proposalId} ${t.id} rung ${o.item.rung} seed ${t.seed}: val bpb ${value.toFixed(4)}${delta}`,
      {
        proposalId: t.proposalId,
        runIds,
        data: { trial: t.id, rung: o.item.rung, valBpb: value, purpose: t.purpose },
      },
    );
    const created = afterRung(state, spec, t);
    if (t.proposalId === BASELINE) await s.loadReference(o.item.rung);
    if (p.verdict === 'loss' && p.status === 'concluded' && t.purpose === 'explore') {
      await s.journal.add(
        'conclusion',
        `${p.id} ${p.title}: behind the baseline at the full budget; dropped`,
        { proposalId: p.id, runIds },
      );
      await s.deps.store.recordIdea({
        key: p.key,
        title: p.title,
        sessionId: s.id,
        proposalId: p.id,
        outcome: 'loss',
      });
    }
    if (created.length) {
      await s.journal.add(
        'schedule',
        `${p.id} ${p.title} is ahead of the baseline at the full budget: ${created.length} more seed(s)`,
        {
          proposalId: p.id,
          runIds,
          data: { trials: created.map((x) => x.id) },
        },
      );
    }
  } else if (o.decision) {
    t.status = 'killed';
    t.stopRule = o.decision.rule;
    if (p.id === BASELINE) await replaceBaselineSeed(s, t);
    else {
      p.status = 'concluded';
      p.verdict = 'loss';
      cancelPending(state, p.id, `${p.id} stopped by ${o.decision.rule}`);
      await s.deps.store.recordIdea({
        key: p.key,
        title: p.title,
        sessionId: s.id,
        proposalId: p.id,
        outcome: 'stopped',
      });
    }
  } else if (o.aborted) {
    t.status = 'cancelled';
    t.note = o.aborted;
  } else if (o.resumed) {
    return; // settled after a crash without a result: the caller re-queues the trial
  } else {
    t.status = 'failed';
    t.note = o.error ?? run?.statusReason ?? 'no result';
    await s.journal.add(
      'result',
      `${t.proposalId} ${t.id} rung ${o.item.rung}: ${run?.status ?? 'error'} — ${t.note}`,
      { proposalId: t.proposalId, runIds },
    );
    if (p.id === BASELINE) await replaceBaselineSeed(s, t);
    if (
      p.id !== BASELINE &&
      state.trials
        .filter((x) => x.proposalId === p.id)
        .every((x) => x.status === 'failed' || x.status === 'cancelled')
    ) {
      p.status = 'concluded';
      p.verdict = 'loss';
      cancelPending(state, p.id, `${p.id} failed`);
      await s.deps.store.recordIdea({
        key: p.key,
        title: p.title,
        sessionId: s.id,
        proposalId: p.id,
        outcome: run?.status ?? 'failed',
      });
    }
  }
  // the researcher sees this result, and every proposal concluded now, with its verdict
  const concluded = await concludeAll(s);
  if (p.id !== BASELINE) concluded.add(p.id);
  for (const id of concluded) s.deps.researcher.observe?.(resultOf(state, spec, proposalOf(state, id)));
}

/** Judge what is ready; returns the ids of the proposals concluded now. */
async function concludeAll(s: ResearchSession): Promise<Set<string>> {
  const concluded = new Set<string>();
  for (const c of concludeReady(s.state, s.spec)) {
    const { proposal: p, judgement: j } = c;
    const runIds = s.state.trials
      .filter((t) => t.proposalId === p.id)
      .flatMap((t) => Object.values(t.rungRuns));
    if (c.newTrials.length) {
      await s.journal.add(
        'schedule',
        `${p.id} ${p.title} passes the decision test (${formatEffect(j.delta, j.ci95)}, adjusted p=${(j.adjustedP ?? j.pValue).toPrecision(2)}): held-out confirmation with seed(s) ${c.newTrials.map((t) => t.seed).join(', ')}`,
        {
          proposalId: p.id,
          runIds,
          data: { judgement: j },
        },
      );
      continue;
    }
    if (p.status !== 'concluded') continue;
    await s.journal.add(
      'conclusion',
      `${p.id} ${p.title}: ${p.verdict} ${formatEffect(j.delta, j.ci95)} (n=${p.stats?.n})`,
      {
        proposalId: p.id,
        runIds,
        body: j.reasons.join('; '),
        data: { judgement: j, verdict: p.verdict },
      },
    );
    await s.deps.store.recordIdea({
      key: p.key,
      title: p.title,
      sessionId: s.id,
      proposalId: p.id,
      outcome: p.verdict ?? 'inconclusive',
    });
    if (p.verdict === 'win' || p.verdict === 'loss') {
      const finding = {
        id: `${s.id}-${p.id}`,
        sessionId: s.id,
        title: `${p.title}: ${p.verdict === 'win' ? 'better' : 'worse'} than the baseline`,
        statement: `${p.title} changes val bpb by ${formatEffect(j.delta, j.ci95)} at ${s.spec.rungTokens[s.spec.rungTokens.length - 1]} tokens (n=${p.stats?.n} seeds vs ${s.spec.baselineSeeds})${p.verdict === 'win' ? ', confirmed on held-out seeds' : ''}.`,
        change: p.change,
        effect: j.delta,
        ci95: j.ci95,
        n: p.stats?.n,
        confirmed: p.verdict === 'win',
        configHash: p.key,
        config: p.verdict === 'win' ? p.config : undefined,
        runIds,
      };
      await s.deps.store.addFinding(finding);
      await s.journal.add('finding', finding.title, { proposalId: p.id, runIds, body: finding.statement });
    }
    concluded.add(p.id);
    if (p.verdict === 'win') await stackWins(s);
  }
  return concluded;
}

/**
 * Every verdict waits for `baselineSeeds` baseline values at the top rung, so a baseline seed that
 * failed or was stopped is replaced by a fresh one (at most `baselineSeeds` replacements: a base config
 * that keeps failing is not retried forever).
 */
async function replaceBaselineSeed(s: ResearchSession, t: TrialState): Promise<void> {
  const st = s.state;
  if (t.purpose !== 'baseline') return;
  const mine = st.trials.filter((x) => x.proposalId === BASELINE);
  if (mine.filter((x) => x.note?.startsWith('replaces ')).length >= s.spec.baselineSeeds) return;
  const used = new Set(mine.map((x) => x.seed));
  let seed = s.spec.seedBase + s.spec.baselineSeeds;
  while (used.has(seed)) seed++;
  const n = newTrial(st, BASELINE, seed, 'baseline', 0);
  n.note = `replaces ${t.id}`;
  await s.journal.add('schedule', `baseline ${n.id} seed ${seed} replaces ${t.id} (${t.status})`, {
    proposalId: BASELINE,
    data: { trial: n.id, replaces: t.id },
  });
}

/** Throughput and per-run start-up overhead, refined from every run of the base cost. */
function updateCalibration(s: ResearchSession, run: RunRecord, cost: number): void {
  const c = s.state.calibration;
  const tps = run.summary.tokPerSec;
  const wall = run.summary.wallSeconds;
  const train = run.summary.trainSeconds;
  if (typeof tps !== 'number' || !(tps > 0) || Math.abs(cost - 1) > 0.05) return;
  const k = c.samples;
  c.tokPerSec = k === 0 || c.tokPerSec === undefined ? tps : (c.tokPerSec * k + tps) / (k + 1);
  if (typeof wall === 'number' && typeof train === 'number' && wall > train) {
    const startup = wall - train;
    c.startupSeconds =
      k === 0 || c.startupSeconds === undefined ? startup : (c.startupSeconds * k + startup) / (k + 1);
  }
  c.samples = k + 1;
}
