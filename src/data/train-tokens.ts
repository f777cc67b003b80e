/**
 * Train tokens per domain of each prepared dataset dir (the default mixture's weights), read once per
 * dir; a dir that cannot be read is unknown. Used wherever a mixture study needs the runs' default weights.
 */
import { loadDatasetMeta } from './prepare.ts';

export function trainTokensReader(): (dir: string) => Record<string, number> | undefined {
  const memo = new Map<string, Record<string, number> | undefined>();
  return (dir) => {
    if (!memo.has(dir)) {
      try {
        const meta = loadDatasetMeta(dir);
        memo.set(dir, Object.fromEntries(meta.domains.map((d) => [d.name, d.trainTokens])));
      } catch {
        memo.set(dir, undefined);
      }
    }
    return memo.get(dir);
  };
}
