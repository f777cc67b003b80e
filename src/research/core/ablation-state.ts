/**
 * What a session keeps about the ablation of a multi-knob win (core/ablation.ts): which knobs were
 * taken apart, the arms that measure them, and the attribution once they ran. Part of the persisted
 * SessionState (state.ts `ablations`).
 */

/** One measured variant of a win: a subset of its knobs applied to the base it was judged against. */
export interface AblationArm {
  proposalId: string; // the arm's proposal (ProposalState.ablationOf = the win)
  keys: string[]; // the win's knobs this arm sets (sorted); the others stay at the base value
  role: 'drop' | 'alone' | 'minimal'; // leave-one-out, add-one-in, the minimal change's own check
}

/** One knob's share of the win: Δ(win) − Δ(win without it), paired by seed (negative = it helps). */
export interface KnobAttribution {
  key: string;
  value: unknown; // the value the win sets
  delta: number | null; // null: not measured (skipped, or its arm has < 2 paired seeds)
  ci95: [number, number] | null;
  n: number; // paired seeds behind it
  /** carries: removing it hurts beyond the noise; noise: it does not; hurts: removing it helps; skipped. */
  verdict: 'carries' | 'noise' | 'hurts' | 'skipped';
  /** Add-one-in: the knob alone on the base, paired with the base's own seeds (when it was run). */
  alone?: { delta: number; ci95: [number, number]; n: number };
  reason?: string; // why skipped
}

/** The smallest part of the win that still carries it. */
export interface MinimalChange {
  set: Record<string, unknown>;
  keys: string[];
  /** true: checked on its own seeds (or it is the win itself); false: it failed the check; null: not checked. */
  verified: boolean | null;
  note: string;
  delta?: number; // vs the base, paired by seed
  ci95?: [number, number];
}

export interface AblationStudy {
  winId: string;
  baseId: string; // the base the arms are built on (ablation.ts `ablationTarget`)
  /** The knobs taken apart, with the win's values (ablation.ts `ablationTarget`); absent: the win's own change. */
  set?: Record<string, unknown>;
  by: string; // 'engine', or the researcher that asked (request_ablation)
  knobs: string[]; // ablated, most important first
  skipped: Array<{ key: string; reason: string }>;
  seeds: number[]; // the win's seeds the arms run on (paired)
  arms: AblationArm[];
  status: 'running' | 'verifying' | 'done';
  attribution?: KnobAttribution[];
  minimal?: MinimalChange;
}
