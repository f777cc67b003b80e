/**
 * The anchors' kill rules, re-stated as monitor rules so they are measured on the same corpus and replay
 * as Flywheel's own. Facts carried over from their definitions, not code:
 *
 * Optuna `MedianPruner` (optuna/pruners/median.py, a PercentilePruner at the 50th percentile; defaults
 * n_startup_trials=5, n_warmup_steps=0, interval_steps=1, n_min_trials=1): at a step where the trial
 * reported a value, prune when the trial's best intermediate value so far (nanmin, minimising) is worse
 * than the median of the completed trials' intermediate values at that same step; a trial whose values
 * are all NaN is pruned. Disabled until n_startup_trials trials completed, and before n_warmup_steps.
 * Here: intermediate value = periodic eval val bpb, "same step" = same token count (interpolated), the
 * completed trials = the baseline seeds.
 *
 * llm-foundry `KillLossSpike` (llmfoundry/callbacks/kill_loss_spike_callback.py; defaults patience=4,
 * outlier_multiplier=2, window_size=100, loss_cap=10): a rolling window of the last window_size train
 * losses; once it is full, a loss >= outlier_multiplier x the window mean is an outlier, and more than
 * `patience` consecutive outliers is a loss spike (kill); a non-outlier resets the count. Also "high
 * loss": from batch 2 x window_size on, at least half the window above loss_cap kills.
 */
import { CONTINUE, type Curve, type Decision, type MonitorRule } from '../../src/monitor/base.ts';
import { interpolate } from '../../src/monitor/reference.ts';
import { median } from '../../src/stats/summary.ts';

export interface MedianPrunerParams {
  nStartupTrials: number;
  nWarmupSteps: number; // in eval reports
  intervalSteps: number;
}

export const OPTUNA_MEDIAN_DEFAULTS: MedianPrunerParams = {
  nStartupTrials: 5,
  nWarmupSteps: 0,
  intervalSteps: 1,
};

/** `baselines`: per completed trial, its eval points (tokens, valBpb). */
export function medianPrunerRule(
  baselines: readonly (readonly { tokens: number; valBpb: number }[])[],
  params: Partial<MedianPrunerParams> = {},
): MonitorRule {
  const p = { ...OPTUNA_MEDIAN_DEFAULTS, ...params };
  const trials = baselines.map((b) => b.map((e) => ({ tokens: e.tokens, value: e.valBpb })));
  return {
    name: 'median-pruner',
    check(curve: Curve): Decision {
      if (trials.length < p.nStartupTrials) return CONTINUE;
      const n = curve.eval.length; // reports so far; the check runs at the latest
      if (n === 0) return CONTINUE;
      const step = n - 1;
      if (step < p.nWarmupSteps || (step - p.nWarmupSteps) % p.intervalSteps !== 0) return CONTINUE;
      const values = curve.eval.map((e) => e.valBpb);
      const finite = values.filter((v) => !Number.isNaN(v));
      const last = curve.eval[n - 1];
      if (finite.length === 0)
        return stop('median-pruner', `every reported value is NaN (step ${last.step})`, { step: last.step });
      const best = Math.min(...finite);
      const others = trials
        .map((t) => interpolate(t, last.tokens))
        .filter((v): v is number => v !== undefined);
      if (others.length === 0) return CONTINUE;
      const med = median(others);
      if (!(best > med)) return CONTINUE;
      return stop(
        'median-pruner',
        `best val bpb ${best.toFixed(4)} > median ${med.toFixed(4)} of ${others.length} trials at tokens ${last.tokens}`,
        {
          tokens: last.tokens,
          best,
          median: med,
          trials: others.length,
        },
      );
    },
  };
}

export interface KillLossSpikeParams {
  patience: number;
  outlierMultiplier: number;
  windowSize: number;
  lossCap: number;
}

export const LLM_FOUNDRY_DEFAULTS: KillLossSpikeParams = {
  patience: 4,
  outlierMultiplier: 2,
  windowSize: 100,
  lossCap: 10,
};

export function killLossSpikeRule(params: Partial<KillLossSpikeParams> = {}): MonitorRule {
  const p = { ...LLM_FOUNDRY_DEFAULTS, ...params };
  return {
    name: 'kill-loss-spike',
    check(curve: Curve): Decision {
      // The callback is stateful; replaying its state over the prefix keeps this rule pure.
      const losses = curve.train.map((t) => t.loss);
      let outliers = 0;
      for (let i = p.windowSize; i < losses.length; i++) {
        const window = losses.slice(i - p.windowSize, i);
        const avg = window.reduce((a, b) => a + b, 0) / p.windowSize;
        let spike = false;
        if (losses[i] >= avg * p.outlierMultiplier) spike = ++outliers > p.patience;
        else outliers = 0;
        if (i < losses.length - 1) continue; // only the newest batch decides, as in batch_end
        const t = curve.train[i];
        if (spike)
          return stop(
            'kill-loss-spike',
            `${outliers} consecutive losses >= ${p.outlierMultiplier} x window mean ${avg.toFixed(3)}`,
            {
              step: t.step,
              outliers,
              windowMean: avg,
            },
          );
        const high = window.filter((l) => l > p.lossCap).length;
        if (i >= 2 * p.windowSize && high >= p.windowSize / 2)
          return stop('kill-loss-spike', `${high} of the last ${p.windowSize} losses > cap ${p.lossCap}`, {
            step: t.step,
            high,
          });
      }
      return CONTINUE;
    },
  };
}

export const neverKill: MonitorRule = { name: 'never', check: () => CONTINUE };

function stop(rule: string, message: string, evidence: Record<string, unknown>): Decision {
  return { action: 'stop', rule, message, evidence };
}
