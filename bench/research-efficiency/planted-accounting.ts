/**
 * What regime (b) reports beyond val bpb, from the planted truth (planted-world.ts):
 * - a *kept change* is a change a method adopted, in the method's own unit: a greedy keep step, a
 *   Flywheel confirmed win (a stack of confirmed wins is not a new change: its parts are counted), the
 *   random / TPE+ASHA pick as one change from the base. Its true effect is truthAtFull(to) - truthAtFull(from);
 *   a *false keep* has a true effect >= 0 (it kept noise, or harm).
 * - a *planted win* is a knob term the base can gain >= `threshold` bpb on (RoPE, the LR optimum, ...);
 *   a *missed win* is one the method's final pick does not capture at least half of.
 */
import type { TrainConfig } from '../../src/config/train-config.ts';
import { contribution, getPath, truthAtFull, type Effect, type PlantedWorld } from './planted-world.ts';

export interface KeptChange {
  title: string;
  from: TrainConfig;
  to: TrainConfig;
}

export interface PlantedWin {
  path: string;
  label: string;
  gain: number; // bpb the base config can gain on this term (> 0)
  effect: Effect;
}

const holds = (e: Effect, config: TrainConfig) =>
  !e.when || Object.entries(e.when).every(([p, v]) => getPath(config, p) === v);

function bestOf(e: Effect): number {
  if (e.kind === 'choice') return Math.min(0, ...Object.values(e.deltas));
  return 0; // a bowl's optimum lies in its knob's range
}

export function plantedWins(w: PlantedWorld, base: TrainConfig, threshold = 0.001): PlantedWin[] {
  const out: PlantedWin[] = [];
  for (const e of w.effects) {
    if (!holds(e, base)) continue;
    const gain = contribution(e, base) - bestOf(e);
    if (gain < threshold) continue;
    const label =
      e.kind === 'choice'
        ? `${e.path}=${Object.entries(e.deltas).sort((a, b) => a[1] - b[1])[0][0]}`
        : `${e.path}→${e.optimum}`;
    out.push({ path: e.path, label, gain, effect: e });
  }
  return out;
}

/** The share of `win`'s gain that `pick` captures (0 when its condition no longer holds). */
export function captured(win: PlantedWin, base: TrainConfig, pick: TrainConfig): number {
  if (!holds(win.effect, pick)) return 0;
  return (contribution(win.effect, base) - contribution(win.effect, pick)) / win.gain;
}

export const missedWins = (w: PlantedWorld, base: TrainConfig, pick: TrainConfig, threshold = 0.001) =>
  plantedWins(w, base, threshold).filter((x) => captured(x, base, pick) < 0.5);

export interface KeptTruth {
  title: string;
  trueEffect: number;
  falseKeep: boolean;
}

export function judgeKept(w: PlantedWorld, base: TrainConfig, kept: KeptChange[]): KeptTruth[] {
  return kept.map((k) => {
    const trueEffect = truthAtFull(w, base, k.to) - truthAtFull(w, base, k.from);
    return { title: k.title, trueEffect, falseKeep: trueEffect >= 0 };
  });
}

export interface PlantedScore {
  pickTrue: number; // true val bpb of the pick at the full budget
  baseTrue: number;
  kept: KeptTruth[];
  falseKeeps: number;
  wins: number; // planted wins available
  missed: string[]; // labels of the planted wins the pick misses
}

export function scorePlanted(
  w: PlantedWorld,
  base: TrainConfig,
  pick: TrainConfig,
  kept: KeptChange[],
): PlantedScore {
  const judged = judgeKept(w, base, kept);
  return {
    pickTrue: truthAtFull(w, base, pick),
    baseTrue: truthAtFull(w, base, base),
    kept: judged,
    falseKeeps: judged.filter((k) => k.falseKeep).length,
    wins: plantedWins(w, base).length,
    missed: missedWins(w, base, pick).map((m) => m.label),
  };
}
