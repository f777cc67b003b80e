/**
 * ProposeContext.wait lets a researcher leave the free slots idle until a run in flight ends (README
 * "Research sessions: the screening study"). A researcher that wants the session stuck (or its budget
 * held hostage) waits on every ask, and keeps the `wait` of an earlier ask to call it on a later one
 * where none was offered; its reason is long and starts with an escape sequence that clears a terminal.
 * The session must still end on its own: a wait is offered only while a run is in flight, a kept one
 * changes nothing, and with nothing left running an empty answer ends the asking. The reason reaches
 * the journal cut to 200 characters and the terminal view without its escape. Real session, the
 * synthetic trainer.
 */
import { PassThrough } from 'node:stream';
import type { Digest, Proposal, ProposeContext, Researcher } from '../../../src/researchers/base.ts';
import { BASELINE } from '../../../src/research/core/state.ts';
import { SessionView } from '../../../src/research/view.ts';
import { makeSession, synthConfig, tempStore } from '../../helpers/research-fixtures.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import type { Attack } from '../attack.ts';

class StallingResearcher implements Researcher {
  readonly name = 'staller';
  asks = 0;
  private kept?: (reason: string) => void;
  async propose(_d: Digest, _n: number, ctx?: ProposeContext): Promise<Proposal[]> {
    this.asks++;
    if (ctx?.wait) this.kept = ctx.wait;
    (ctx?.wait ?? this.kept)?.(`\u001b[2J${'hold the slots '.repeat(40)}`);
    return [];
  }
}

export const attacks: Attack[] = [
  {
    id: 'researcher-wait-stall',
    title: 'a researcher waits on every ask (and replays an old wait) to keep the session from ever ending',
    timeoutMs: 120_000,
    run: async () => {
      const home = tempDir('fw-attack-wait-');
      const prevHome = process.env.FLYWHEEL_HOME;
      process.env.FLYWHEEL_HOME = home;
      const store = await tempStore(home);
      const researcher = new StallingResearcher();
      try {
        const printed: string[] = [];
        const out = new PassThrough();
        out.on('data', (b: Buffer) => void printed.push(b.toString()));
        const view = new SessionView(out as unknown as NodeJS.WriteStream, 0);
        const { session, executor } = await makeSession({
          store,
          researcher,
          base: synthConfig(),
          parallel: 2,
          view,
        });
        const ended = await Promise.race([
          session.run().then(() => true),
          new Promise<false>((r) => setTimeout(() => r(false), 90_000)),
        ]);
        if (!ended) {
          session.requestStop('attack test timeout');
          await executor.close();
          return {
            succeeded: true,
            detail: `the session was still running after 90 s (${researcher.asks} asks)`,
          };
        }
        await executor.close();
        const notes = await store.listJournal(session.id, { kinds: ['note'] });
        const waits = notes.filter((e) => e.title.includes('waits for a run to end'));
        const long = waits.find((e) => e.title.length > 300);
        if (long)
          return {
            succeeded: true,
            detail: `a wait reason reached the journal whole: ${long.title.length} chars`,
          };
        if (printed.join('').includes('\u001b[2J'))
          return { succeeded: true, detail: "the wait's escape sequence reached the terminal view" };
        if (!printed.join('').includes('waits for a run to end'))
          return { succeeded: true, detail: 'no wait was shown: the view was not exercised' };
        if (!session.state.researcherExhausted)
          return { succeeded: true, detail: 'the session ended without the asking ending' };
        const others = session.state.trials.filter((t) => t.proposalId !== BASELINE).length;
        return {
          succeeded: false,
          detail: `session ended after ${researcher.asks} asks (${waits.length} waits honoured while runs were in flight, ${others} non-baseline trials); the asking ended`,
        };
      } finally {
        await store.close();
        if (prevHome === undefined) delete process.env.FLYWHEEL_HOME;
        else process.env.FLYWHEEL_HOME = prevHome;
      }
    },
  },
];
