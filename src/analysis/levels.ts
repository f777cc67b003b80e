/** Distinct levels of a positive quantity (model sizes, token budgets), values within 5 % counted once. */
export function distinctLevels(xs: readonly number[], tol = 0.05): number[] {
  const s = [...xs].filter((x) => x > 0).sort((a, b) => a - b);
  const out: number[] = [];
  for (const x of s) if (out.length === 0 || x > out[out.length - 1] * (1 + tol)) out.push(x);
  return out;
}
