/**
 * The session journal: every proposal, decision, kill and conclusion is an entry with its evidence
 * (run ids). Entries are written to the store as they happen (nothing is batched across a crash).
 */
import { redactDeep } from '../security/redact.ts';
import type { JournalEntry, JournalKind, Store } from '../store/base.ts';

export class Journal {
  constructor(
    private readonly store: Store,
    readonly sessionId: string,
    private readonly echo?: (e: JournalEntry) => void,
  ) {}

  async add(
    kind: JournalKind,
    title: string,
    extra: { body?: string; proposalId?: string; runIds?: string[]; data?: Record<string, unknown> } = {},
  ): Promise<JournalEntry> {
    // redacted of the orchestrator's secrets: entries quote run output and researcher text
    const entry = redactDeep({ sessionId: this.sessionId, kind, title, ...extra });
    const [e] = await this.store.appendJournal([entry]);
    this.echo?.(e);
    return e;
  }
}
