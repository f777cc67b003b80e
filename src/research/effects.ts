/**
 * Carrying out what transitions decided (core/effects.ts): the only code that writes the journal,
 * records ideas and findings, and shows results to the researcher. Every batch ends in one persist of
 * the session's state and summary, so "saved after every change" holds by construction.
 */
import type { Researcher } from '../researchers/base.ts';
import type { Store } from '../store/base.ts';
import type { Effect } from './core/effects.ts';
import { mergeFindingScale } from './io/finding-scale.ts';
import type { Journal } from './journal.ts';

export interface EffectPorts {
  sessionId: string;
  store: Store;
  journal: Journal;
  researcher: Researcher;
  /** Rebuild the monitor's baseline band at a rung (io/baseline-band.ts). */
  loadReference(rung: number): Promise<void>;
  /** Save the session's current state and summary. */
  persist(): Promise<unknown>;
}

export async function applyEffects(ports: EffectPorts, effects: readonly Effect[]): Promise<void> {
  for (const e of effects) {
    switch (e.kind) {
      case 'journal':
        await ports.journal.add(e.entry, e.title, e.extra);
        break;
      case 'idea':
        await ports.store.recordIdea({ ...e.idea, sessionId: ports.sessionId });
        break;
      case 'finding':
        await ports.store.addFinding(e.finding);
        break;
      case 'observe':
        ports.researcher.observe?.(e.result);
        break;
      case 'reference':
        await ports.loadReference(e.rung);
        break;
      case 'findingScale':
        await mergeFindingScale(ports.store, ports.sessionId, e);
        break;
      case 'findingLadder': {
        // the finding was written at the win's conclusion; it gains the ladder (replaced by id)
        const f = (await ports.store.listFindings({ sessionId: ports.sessionId })).find(
          (x) => x.id === e.findingId,
        );
        if (f) {
          const statement = `${f.statement.replace(/ Size ladder: .*$/, '')} Size ladder: ${e.words}.`;
          await ports.store.addFinding({ ...f, statement, scale: { ...f.scale, ladder: e.ladder } });
        }
        break;
      }
    }
  }
  await ports.persist();
}
