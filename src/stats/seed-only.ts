/**
 * A change that only touches the seed (or other keys declared pure noise) cannot improve anything: any
 * difference it shows is the noise floor itself. `judgeChange` refuses to call such a change a win.
 */

/** Keys that change the random draw but not the experiment. Callers may declare more (e.g. a data-order seed). */
export const DEFAULT_NOISE_KEYS: readonly string[] = ['seed'];

/** A config diff as the researchers propose it (dotted paths or nested objects), or a whole Change. */
export type DiffLike =
  | { kind: 'config'; set: Record<string, unknown> }
  | { kind: 'code'; edits: readonly unknown[]; set?: Record<string, unknown> }
  | Record<string, unknown>;

/** True when every path the diff sets is a noise key (or below one). An empty diff is no change: also true. */
export function isSeedOnlyChange(diff: DiffLike, noiseKeys: readonly string[] = DEFAULT_NOISE_KEYS): boolean {
  let set: Record<string, unknown> = diff;
  if (diff.kind === 'code' && Array.isArray(diff.edits)) {
    if (diff.edits.length > 0) return false;
    set = (diff.set as Record<string, unknown> | undefined) ?? {};
  } else if (diff.kind === 'config' && isPlainObject(diff.set)) {
    set = diff.set;
  }
  return onlyNoisePaths(flattenPaths(set), noiseKeys);
}

/** True when every dotted path is a noise key or below one (the rule behind `isSeedOnlyChange`). */
export function onlyNoisePaths(
  paths: readonly string[],
  noiseKeys: readonly string[] = DEFAULT_NOISE_KEYS,
): boolean {
  return paths.every((p) => noiseKeys.some((k) => p === k || p.startsWith(`${k}.`)));
}

/** {optim: {lr: 1}, 'model.depth': 2} -> ['optim.lr', 'model.depth'] */
function flattenPaths(obj: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (isPlainObject(v) && Object.keys(v).length > 0) out.push(...flattenPaths(v, path));
    else out.push(path);
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
