/** Helpers shared by the CLI commands. */
import { InvalidArgumentError } from 'commander';
import { reconcileOrphans } from '../runs/reconcile.ts';
import type { Store } from '../store/base.ts';
import { openStore } from '../store/open.ts';

/** Open the store and settle runs left behind by a dead orchestrator (no zombie `running` rows). */
export async function openCliStore(opts: { reconcile?: boolean } = {}): Promise<Store> {
  const store = await openStore();
  if (opts.reconcile !== false) {
    const settled = await reconcileOrphans(store);
    for (const s of settled) {
      process.stderr.write(`flywheel: settled run ${s.runId} left by a dead orchestrator -> ${s.status}\n`);
    }
  }
  return store;
}

/** `--json`: exactly one JSON object on stdout. NaN/Infinity become null. */
export function printJson(obj: unknown): void {
  process.stdout.write(
    JSON.stringify(obj, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) + '\n',
  );
}

export const collect = (value: string, prev: string[] = []) => [...prev, value];

export function parseIntOption(name: string, min = -Infinity) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got "${v}"`);
    if (n < min) throw new InvalidArgumentError(`${name} must be at least ${min}, got ${n}`);
    return n;
  };
}
