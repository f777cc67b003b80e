/**
 * The monitor on a single `flywheel run` (README "The CLI"): the loud-failure rules of src/monitor/
 * (NaN/inf loss, divergence) watch the curve live, and a stop names its rule and evidence. The quiet
 * rules need a baseline band, which only a research session has. A run these rules stop has diverged:
 * that is its status, with the rule's message as the reason.
 */
import type { Curve, Decision, MonitorRule } from '../monitor/base.ts';
import { evaluate, nanRule, divergenceRule } from '../monitor/index.ts';
import type { RunStatus } from '../store/base.ts';
import type { RunEvent } from './events.ts';
import type { RunController } from './launch.ts';

export type StopDecision = Extract<Decision, { action: 'stop' }>;

export class RunMonitor {
  readonly curve: Curve = { train: [], eval: [] };
  decision?: StopDecision;
  private readonly rules: MonitorRule[] = [nanRule(), divergenceRule()];
  private sawLr = false;
  private sinceCheck = 0;

  constructor(budgetTokens?: number) {
    this.curve.budgetTokens = budgetTokens;
  }

  /** Feed one event; stops the run (once) when a rule says so. Rules run every 5th train point and on evals. */
  onEvent(e: RunEvent, run: RunController): void {
    if (this.decision || run.stopRequest) return;
    if (e.kind === 'train') {
      // a trainer that reports no learning rate (lr 0 throughout) has no lr trace for the rules
      if (e.lr !== 0 && !this.sawLr) {
        this.sawLr = true;
        for (const p of this.curve.train) p.lr = 0;
      }
      const lr = this.sawLr ? e.lr : undefined;
      this.curve.train.push({
        step: e.step,
        tokens: e.tokens,
        flops: e.flops,
        loss: e.loss,
        lr,
        gradNorm: e.gradNorm,
      });
      if (++this.sinceCheck < 5 && Number.isFinite(e.loss)) return;
    } else if (e.kind === 'eval' && !e.final) {
      this.curve.eval.push({
        step: e.step,
        tokens: e.tokens,
        flops: e.flops,
        valLoss: e.valLoss,
        valBpb: e.valBpb,
      });
    } else return;
    this.sinceCheck = 0;
    const d = evaluate(this.curve, undefined, this.rules);
    if (d.action !== 'stop') return;
    this.decision = d;
    run.stop(`monitor: ${d.message}`, d.rule, d.evidence);
  }

  /** The run's final status: a loud-rule stop is a divergence. */
  mapStatus(s: { status: RunStatus; reason: string }): { status: RunStatus; reason: string } {
    if (!this.decision || s.status !== 'stopped') return s;
    return { status: 'diverged', reason: `monitor (${this.decision.rule}): ${this.decision.message}` };
  }
}
