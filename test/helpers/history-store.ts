/**
 * Stored runs as earlier research sessions leave them, for the tests of cross-session memory (TPE warm
 * start, triage, the researcher's analysis tools): one dataset, the reference trainer's code hash, rung
 * budgets, and a config diff per run.
 */
import { configHash, resolveConfig } from '../../src/config/resolve.ts';
import type { TrainConfig } from '../../src/config/train-config.ts';
import type { Store } from '../../src/store/base.ts';

export const HISTORY_RUNGS = [4096, 12288];
const RUNGS = HISTORY_RUNGS;
export const HISTORY_BASE: TrainConfig = {
  ...resolveConfig({ preset: 'tiny' }),
  data: { ...resolveConfig({ preset: 'tiny' }).data, dir: '/data/prepared/ds-abc' },
};

/** A finished run in `store` of `base` with `set` applied, as a session would have stored it. */
export async function storeRun(
  store: Store,
  o: {
    id: string;
    session: string;
    set?: Record<string, unknown>;
    tokens?: number;
    valBpb?: number;
    status?: 'completed' | 'failed' | 'diverged';
    code?: string; // a code experiment's patch hash
    dataHash?: string;
    base?: TrainConfig;
    byDomain?: Record<string, number>; // final per-domain val bpb
    evals?: number; // eval points to append (val bpb falling to valBpb)
  },
): Promise<void> {
  const c = structuredClone(o.base ?? HISTORY_BASE) as unknown as Record<string, Record<string, unknown>>;
  for (const [path, v] of Object.entries(o.set ?? {})) {
    const [a, b] = path.split('.');
    c[a][b] = v;
  }
  const config = { ...(c as unknown as TrainConfig), budget: { tokens: o.tokens ?? RUNGS[1] }, seed: 7 };
  await store.createRun({
    id: o.id,
    config,
    configHash: configHash(config, o.code ?? ''),
    seed: 7,
    runDir: '/nowhere',
    status: 'running',
    sessionId: o.session,
    dataHash: o.dataHash ?? 'ds-abc',
    codeHash: 'trainer-code-1',
    tags: { proposal: o.set ? 'p1' : 'baseline' },
  });
  if (o.evals && o.valBpb !== undefined)
    await store.appendMetrics(
      o.id,
      'eval',
      Array.from({ length: o.evals }, (_, i) => ({
        step: i,
        tokens: ((i + 1) * (o.tokens ?? RUNGS[1])) / o.evals!,
        valBpb: o.valBpb! + (o.evals! - 1 - i) * 0.1,
      })),
    );
  const status = o.status ?? 'completed';
  await store.finishRun(o.id, status, status === 'completed' ? 'budget reached' : 'boom', {
    valBpb: status === 'completed' ? o.valBpb : undefined,
    ...(o.byDomain ? { valBpbByDomain: o.byDomain } : {}),
  });
}
