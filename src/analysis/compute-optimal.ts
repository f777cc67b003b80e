/**
 * Compute-optimal allocation under L(N, D) = E + A/N^α + B/D^β with C ≈ 6·N·D (Hoffmann et al. 2022,
 * eq. 4): N_opt = G·(C/6)^(β/(α+β)), D_opt = (C/6)^(α/(α+β)) / G, with G = (αA / (βB))^(1/(α+β)).
 */
import type { LawParams } from './chinchilla-fit.ts';

export function computeOptimal(
  p: LawParams,
  flops: number,
): { params: number; tokens: number; loss: number } {
  const s = p.alpha + p.beta;
  const G = Math.pow((p.alpha * p.A) / (p.beta * p.B), 1 / s);
  const params = G * Math.pow(flops / 6, p.beta / s);
  const tokens = Math.pow(flops / 6, p.alpha / s) / G;
  return { params, tokens, loss: p.E + p.A / Math.pow(params, p.alpha) + p.B / Math.pow(tokens, p.beta) };
}
