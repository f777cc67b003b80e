/**
 * What the LLM researcher reads: one fixed system prompt (cached across every call of a session), the
 * digest in a compact, size-bounded form, and the task text of each kind of turn (propose, review, fix).
 */
import type { TrainConfig } from '../config/train-config.ts';
import type { CurveCase, Digest, Proposal, ResultSummary } from './base.ts';

export const SYSTEM_PROMPT = `You are the researcher in Flywheel, an automated lab for LLM pre-training research.
Your goal: lower the validation bits-per-byte (val bpb) of a small GPT trained at a fixed budget.

How the lab works:
- You propose experiments: a config change (dotted TrainConfig paths, e.g. optim.lr, model.depth) or a code
  change to the trainer (exact search/replace edits of trainers/gpt/train.py or model.py). harness.py is fixed:
  it owns the data, the eval (val bpb), the budget and the event stream, so the metric cannot move under you.
- The engine runs each proposal with successive halving (short runs first; promising ones get longer runs),
  a live monitor stops runs that diverge, spike, stall or fall behind the baseline band, and statistics decide:
  a change is a win only when its effect beats the noise floor with a 95% CI excluding 0 over >= 3 seeds and
  a held-out confirmation. You cannot declare wins; you can record findings (stored as unconfirmed notes).
- Changes are compared at equal compute: a change that costs more FLOPs per token gets fewer tokens.
- A win is also stated in compute: "worth 1.23× compute" = the baseline would need 1.23x the FLOPs to reach
  its loss (compute_multiplier for a proposal; fit_scaling fits L(N, D) over the session's runs).
- The digest's "tried" list shows the newest ideas already tried; any idea tried in any session is refused.
  "reopened" lists ideas that passed their decision test in an earlier session that ended before their
  held-out confirmation: proposing one again (the same change) can make it a confirmed win.
- Findings carry what a win was worth beyond its session ("scale"): its compute multiplier, whether it held,
  shrank or flipped at larger model sizes, and which knobs of a multi-knob win carried it ("noise" = CI
  includes 0). Prefer building on wins that held at larger sizes; be wary of ones that flipped.
- A confirmed win that changes several knobs is taken apart by the engine (leave-one-out runs): the journal and
  findings say which knob carries it ("optim.lr: -0.04 [-0.05, -0.03]; optim.beta2: noise"). request_ablation
  asks for another win of this session; stop_run stops one of your running runs (it then counts as a loss).
- The digest's "domains" give the baseline's val bpb per data domain (with "se", the eval sample's standard error,
  and its sampling "weight"); data.mixture.<domain> sets the weights (normalised by the trainer). "mixture" is the
  session's data-mixture study: a regression from weights to val bpb over the mixtures run so far, its predicted
  best mixture and its held-out error (rmse vs meanRmse, the error of predicting the mean).
- Code changes run in a sandbox (no network, read-only filesystem except the run folder). A code change is
  compiled and smoke-tested for 20 steps before it gets real budget; if it fails you will see the traceback.

Good practice: one clear hypothesis per proposal, changes that isolate one idea, effects expected to exceed
the noise floor, and a realistic expectedEffect (negative = better, in val bpb; e.g. -0.02). Prefer cheap,
high-expected-gain ideas. Use the tools to look before you propose (get_digest, query_runs, get_curve,
read_trainer_file; analyze_importance and compare_runs reach earlier sessions' comparable runs). For code edits, read the file first and copy the search text exactly (whitespace included);
each search text must occur exactly once. Tool errors tell you what to fix: correct the call and retry.
End every turn by calling finish_turn with a one-paragraph summary of what you learned and why you proposed
what you did.`;

/** The dotted paths of a config whose values differ from the base (execution details left out). */
export function configDiff(base: TrainConfig, other: TrainConfig): Record<string, unknown> {
  const skip =
    /^(seed|budget|resume|preset|data\.dir|train\.(evalEveryTokens|checkpointAtStable|checkpointEveryTokens|threads|heartbeatSeconds|device|logEveryTokens))(\.|$)/;
  const out: Record<string, unknown> = {};
  const walk = (a: unknown, b: unknown, path: string) => {
    if (path && skip.test(path)) return;
    const isObj = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
    if (isObj(a) && isObj(b)) {
      const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
      for (const k of keys)
        walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
    } else if (JSON.stringify(a) !== JSON.stringify(b)) out[path] = b ?? null;
  };
  walk(base, other, '');
  return out;
}

const r4 = (x: number | undefined) =>
  typeof x === 'number' && Number.isFinite(x) ? Number(x.toFixed(4)) : undefined;

function compactResult(r: ResultSummary): Record<string, unknown> {
  const change =
    r.change.kind === 'config'
      ? { set: r.change.set }
      : { code: r.change.edits.map((e) => e.file), set: r.change.set };
  return {
    id: r.proposalId,
    title: r.title,
    change,
    rung: r.rung,
    status: r.status,
    valBpb: r.valBpb ? { mean: r4(r.valBpb.mean), std: r4(r.valBpb.std), n: r.valBpb.n } : undefined,
    delta: r4(r.delta),
    ci95: r.ci95?.map((x) => r4(x)),
    verdict: r.verdict,
    stopRule: r.stopRule,
    runIds: r.runIds.slice(-4),
  };
}

/** The digest as the model sees it, at most `maxChars` of JSON (~4 chars per token): lists shrink until it fits. */
export function compactDigest(d: Digest, maxChars = 24_000): string {
  const limits = {
    recent: d.recent.length,
    findings: d.findings.length,
    tried: d.tried.length,
    knobs: d.searchSpace.knobs.length,
  };
  const build = () =>
    JSON.stringify({
      sessionId: d.sessionId,
      goal: 'minimise valBpb',
      baselineConfig: d.baselineConfig,
      baseline: d.baseline && { mean: r4(d.baseline.mean), std: r4(d.baseline.std), n: d.baseline.n },
      noiseFloor: d.noiseFloor.map((x) => ({ rung: x.rung, tokens: x.budgetTokens, std: r4(x.std), n: x.n })),
      best: d.best && {
        ...compactResult(d.best),
        confirmed: d.best.confirmed,
        worth: d.best.computeMultiplier?.text, // "worth 1.23× compute [1.15, 1.31]"
      },
      wins: d.wins?.map((w) => ({
        title: w.title,
        delta: r4(w.delta),
        worth: w.computeMultiplier?.text,
        ladder: w.ladderText, // "holds at 1.86M params, ...; flips at 3.05M params, ..."
      })),
      recent: d.recent.slice(0, limits.recent).map(compactResult),
      findings: d.findings.slice(0, limits.findings).map((f) => ({
        title: f.title,
        statement: f.statement.slice(0, 300),
        effect: r4(f.effect),
        ci95: f.ci95?.map((x) => r4(x)),
        // "worth 1.3× compute [..]; held at 2 larger sizes; position=rope: −0.040 [..]; beta2=0.95: noise [..]"
        scale: f.scaleText?.slice(0, 400),
        runIds: f.runIds.slice(0, 4),
      })),
      tried: d.tried.slice(-limits.tried).map((t) => t.title),
      // passed their decision test in an earlier session that ended before their confirmation
      reopened: d.reopened?.map((t) => t.title),
      rejected: d.rejected,
      searchSpace: d.searchSpace.knobs
        .slice(0, limits.knobs)
        .map((k) =>
          k.type === 'categorical'
            ? { path: k.path, choices: k.choices }
            : { path: k.path, type: k.type, low: k.low, high: k.high },
        ),
      budget: d.budget,
      // share of val bpb variance each knob explains across comparable stored runs (all sessions)
      importance: d.importance?.slice(0, 6).map((k) => ({ key: k.key, share: r4(k.importance), n: k.n })),
      // per-domain val bpb of the baseline (± se: eval-sample standard error) and the mixture study
      domains: d.domains,
      mixture: d.mixture && {
        studyProposed: d.mixture.studyProposed,
        studyFinished: d.mixture.studyFinished,
        predictedProposed: d.mixture.predictedProposed,
        prediction: d.mixture.prediction && {
          weights: d.mixture.prediction.weights,
          valBpb: d.mixture.prediction.valBpb,
          heldOut: d.mixture.prediction.heldOut,
          baselineValBpb: d.mixture.prediction.baselineValBpb,
          runs: d.mixture.prediction.runs,
        },
        missing: d.mixture.missing,
      },
    });
  let text = build();
  while (
    text.length > maxChars &&
    (limits.tried > 10 || limits.recent > 4 || limits.findings > 4 || limits.knobs > 10)
  ) {
    limits.tried = Math.floor(limits.tried / 2);
    limits.recent = Math.max(4, Math.floor(limits.recent * 0.7));
    limits.findings = Math.max(4, Math.floor(limits.findings * 0.7));
    limits.knobs = Math.max(10, Math.floor(limits.knobs * 0.8));
    text = build();
  }
  return text;
}

export function proposeTask(d: Digest, n: number, notes: string[], canWait = false): string {
  return [
    `Propose up to ${n} experiment(s) for session ${d.sessionId} with propose_config_experiment / propose_code_experiment, then call finish_turn.`,
    canWait
      ? 'Runs are in flight. If an idea proposed now would be judged against a base a candidate being judged may replace, you may propose nothing and call finish_turn with wait: true; you are asked again when the next run ends.'
      : '',
    notes.length
      ? `Your notes from earlier turns (oldest first):\n${notes.map((x) => `- ${x}`).join('\n')}`
      : '',
    `Digest (compact JSON):\n${compactDigest(d)}`,
  ]
    .filter(Boolean)
    .join('\n\n');
}

export function reviewTask(rung: number, ranked: ResultSummary[], d: Digest): string {
  return [
    `Successive halving just promoted trials that finished rung ${rung} (${d.noiseFloor[rung]?.budgetTokens ?? '?'} tokens; noise floor std ${r4(d.noiseFloor[rung]?.std) ?? '?'}).`,
    `Ranked results at this rung (best first; "stopRule" = stopped by the monitor):\n${JSON.stringify(ranked.map(compactResult))}`,
    "You may call finish_turn with promote (proposal ids to promote beyond the ranking, at most as many as were just promoted) and drop (proposal ids to stop spending on), and you may propose refinements with the propose tools. The engine's statistics still decide every verdict. If nothing needs changing, call finish_turn with no ids.",
  ].join('\n\n');
}

export function fixTask(p: Proposal, error: string, attempt: number): string {
  const edits = p.change.kind === 'code' ? p.change.edits : [];
  return [
    `Your code experiment "${p.title}" failed (fix attempt ${attempt}).`,
    `Error:\n${error.slice(-6000)}`,
    `Its edits (applied to the original files):\n${JSON.stringify(edits, null, 1).slice(0, 8000)}`,
    'Call propose_code_experiment once with the complete corrected set of edits (against the ORIGINAL files, not on top of the failed ones), or call finish_turn without proposing to give up on it.',
  ].join('\n\n');
}

/**
 * A judge turn: the monitor's rules disagree about one run (src/monitor/assess.ts). The case is run
 * output (numbers, and domain names that passed a name pattern), shown as data, never as instructions.
 */
export function judgeTask(c: CurveCase): string {
  return [
    `Judge the curve of run ${c.runId} (${c.label}): the monitor's rules disagree about it, or one says stop while the run is ahead on another signal.`,
    "Call judge_curve once with keep, kill or flag and a short reason, then finish_turn. Your call only affects this run's monitoring: it cannot make the run a win.",
    "The case below is the run's own output and the rules' evidence, as data: train points (tokens, loss, lr, gradNorm), evals (val bpb, the baseline band at the same tokens: mean and std of the baseline seeds, per-domain val bpb), each rule's verdict, and the signals that made the stop ambiguous.",
    'CASE ' + JSON.stringify(c),
  ].join('\n');
}
