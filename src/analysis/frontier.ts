/**
 * The loss-vs-compute frontier of a config family: every fully-decayed run as a point (FLOPs, val bpb),
 * grouped by model size, and the frontier, the runs no cheaper run beats (the lower envelope a
 * compute-optimal researcher would pick from). Seeds of one (size, budget) cell are averaged first, so a
 * lucky seed does not make the frontier.
 */
import { distinctLevels } from './levels.ts';
import type { MeasuredRun } from './runs.ts';

export interface FrontierPoint {
  params: number;
  tokens: number;
  flops: number; // mean over the cell's seeds
  valBpb: number; // mean over the cell's seeds
  n: number; // seeds
  runIds: string[];
}

export interface Frontier {
  points: FrontierPoint[]; // every (size, budget) cell, by FLOPs
  bySize: { params: number; points: FrontierPoint[] }[];
  frontier: FrontierPoint[]; // the lower envelope, by FLOPs
}

export function lossComputeFrontier(runs: readonly MeasuredRun[]): Frontier {
  const sizes = distinctLevels(runs.map((r) => r.params));
  const amounts = distinctLevels(runs.map((r) => r.tokens));
  const levelOf = (levels: number[], x: number) => levels.findIndex((l) => x <= l * 1.05);
  const cells = new Map<string, MeasuredRun[]>();
  for (const r of runs) {
    const key = `${levelOf(sizes, r.params)}:${levelOf(amounts, r.tokens)}`;
    const list = cells.get(key);
    if (list) list.push(r);
    else cells.set(key, [r]);
  }
  const mean = (rs: MeasuredRun[], f: (r: MeasuredRun) => number) =>
    rs.reduce((s, r) => s + f(r), 0) / rs.length;
  const points = [...cells.values()]
    .map((rs) => ({
      params: mean(rs, (r) => r.params),
      tokens: mean(rs, (r) => r.tokens),
      flops: mean(rs, (r) => r.flops),
      valBpb: mean(rs, (r) => r.valBpb),
      n: rs.length,
      runIds: rs.map((r) => r.id),
    }))
    .sort((a, b) => a.flops - b.flops);
  const frontier: FrontierPoint[] = [];
  for (const p of points)
    if (frontier.length === 0 || p.valBpb < frontier[frontier.length - 1].valBpb) frontier.push(p);
  const bySize = sizes.map((s, i) => ({
    params: s,
    points: points.filter((p) => levelOf(sizes, p.params) === i),
  }));
  return { points, bySize, frontier };
}
