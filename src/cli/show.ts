/** `flywheel show RUN_ID`: one run with its config, provenance and metric series. */
import type { Command } from 'commander';
import { FlywheelError } from '../errors.ts';
import { collect, openCliStore, printJson } from './common.ts';
import { runJson, seText } from './run.ts';

export function register(program: Command): void {
  program
    .command('show')
    .argument('<runId>', 'a run id (see: flywheel runs)')
    .description('one run: result, config, provenance, metric series')
    .option(
      '--events <kind>',
      'include stored events of this kind (start, eval, end, malformed, stop, ...); repeatable',
      collect,
      [],
    )
    .option('--json', 'print one JSON object on stdout')
    .action(async (runId: string, o: { json?: boolean; events: string[] }) => {
      const store = await openCliStore();
      try {
        const r = await store.getRun(runId);
        if (!r) throw new FlywheelError('not_found', `no run with id "${runId}" (see: flywheel runs)`);
        const [metrics, artifacts] = await Promise.all([store.getMetrics(runId), store.listArtifacts(runId)]);
        const events = o.events.length ? await store.listEvents(runId, { kinds: o.events }) : undefined;
        const out = {
          ...runJson(r),
          createdAt: r.createdAt,
          startedAt: r.startedAt ?? null,
          endedAt: r.endedAt ?? null,
          stopRule: r.stopRule ?? null,
          sessionId: r.sessionId ?? null,
          summary: r.summary,
          config: r.config,
          provenance: {
            host: r.host,
            python: r.python,
            torch: r.torch,
            device: r.device,
            codeCommit: r.codeCommit,
            codeHash: r.codeHash,
            harnessHash: r.harnessHash,
            dataHash: r.dataHash,
            executor: r.executor,
          },
          codeDiff: r.codeDiff ?? null,
          tags: r.tags,
          metrics,
          artifacts,
          ...(events ? { events } : {}),
        };
        if (o.json) {
          printJson(out);
          return;
        }
        console.log(`${r.id}  ${r.status}${r.statusReason ? ` — ${r.statusReason}` : ''}`);
        console.log(`  preset ${r.preset ?? '-'}  seed ${r.seed}  config ${r.configHash}  dir ${r.runDir}`);
        if (out.valBpb !== null) console.log(`  val bpb ${Number(out.valBpb).toFixed(4)}`);
        for (const [d, b] of Object.entries(out.valBpbByDomain))
          console.log(`    ${d.padEnd(12)} ${Number(b).toFixed(4)}${seText(out.valBpbByDomainSe[d])}`);
        console.log(`  ${metrics.train.length} train points, ${metrics.eval.length} evals`);
        for (const e of metrics.eval) {
          console.log(`    step ${e.step}  tokens ${e.tokens}  val bpb ${Number(e.valBpb).toFixed(4)}`);
        }
      } finally {
        await store.close();
      }
    });
}
