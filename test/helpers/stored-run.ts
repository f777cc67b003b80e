/**
 * A finished run of a session's trial as the store keeps it, for the attacks on what a later session
 * carries from an earlier one (core/carried-base.ts, core/open-tests.ts): `code` is an agent patch's
 * hash, `tampered` the guard's mark.
 */
import { configHash } from '../../src/config/resolve.ts';
import type { TrainConfig } from '../../src/config/train-config.ts';
import { rungRunConfig } from '../../src/research/io/run-trial.ts';
import { trainerCodeHash } from '../../src/runs/run-dir.ts';
import type { Store } from '../../src/store/base.ts';

export async function storeRungRun(
  store: Store,
  config: TrainConfig,
  rungTokens: number[],
  o: { id: string; seed: number; rung: number; value: number; code?: string; tampered?: boolean },
): Promise<void> {
  const c = rungRunConfig(config, {
    seed: o.seed,
    rung: o.rung,
    tokens: rungTokens[o.rung],
    cost: 1,
    rungTokens,
    baseFlopsPerToken: 0,
  });
  await store.createRun({
    id: o.id,
    config: c,
    configHash: configHash(c, o.code ?? ''),
    seed: o.seed,
    runDir: '/nowhere',
    status: 'running',
    sessionId: 'old',
    codeHash: o.code ? `patched-${o.code}` : trainerCodeHash(config),
    tags: { rung: String(o.rung), ...(o.tampered ? { tampered: '1' } : {}) },
  });
  await store.finishRun(o.id, 'completed', 'tokens budget reached', {
    valBpb: o.value,
    trainerStatus: 'completed',
  });
}
