/**
 * A win's finding learns what its ablation found (core/transitions/ablated.ts): the attribution goes
 * into `scale.attribution` beside whatever else `scale` holds (multiplier, ladder), the words are
 * appended to its statement, and a checked minimal change replaces its config, so a later session
 * starts from the part of the win that carries it (setup.ts `rememberedStart`).
 */
import { configHash } from '../../config/resolve.ts';
import type { Effect } from '../core/effects.ts';
import type { Store } from '../../store/base.ts';

export async function mergeFindingScale(
  store: Store,
  sessionId: string,
  e: Extract<Effect, { kind: 'findingScale' }>,
): Promise<void> {
  const found = (await store.listFindings({ sessionId })).find((f) => f.id === e.id);
  if (!found) return; // the win's finding is written when it is concluded; nothing to add to
  await store.addFinding({
    ...found,
    statement:
      e.statement && !found.statement.includes(e.statement) ? found.statement + e.statement : found.statement,
    scale: { ...found.scale, attribution: e.attribution },
    ...(e.config ? { config: e.config, configHash: configHash(e.config) } : {}),
  });
}
