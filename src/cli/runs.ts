/** `flywheel runs`: the stored runs, newest first. */
import type { Command } from 'commander';
import { FlywheelError } from '../errors.ts';
import { fmtCount } from '../runs/progress.ts';
import { RUN_STATUSES, type RunStatus } from '../store/base.ts';
import { collect, openCliStore, parseIntOption, printJson } from './common.ts';
import { runJson } from './run.ts';

interface RunsOptions {
  status: string[];
  session?: string;
  limit: number;
  offset: number;
  sort: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('runs')
    .description('list stored runs')
    .option(
      '--status <status>',
      `only runs in this state (${RUN_STATUSES.join('|')}); repeatable`,
      collect,
      [],
    )
    .option('--session <id>', 'only runs of this research session')
    .option('--limit <n>', 'at most this many', parseIntOption('--limit', 0), 50)
    .option('--offset <n>', 'skip this many', parseIntOption('--offset', 0), 0)
    .option('--sort <key>', 'createdAt | valBpb | endedAt', 'createdAt')
    .option('--json', 'print one JSON object {runs, total} on stdout')
    .action(async (o: RunsOptions) => {
      for (const s of o.status) {
        if (!RUN_STATUSES.includes(s as RunStatus)) {
          throw new FlywheelError(
            'bad_input',
            `--status ${s}: unknown state (use ${RUN_STATUSES.join(', ')})`,
          );
        }
      }
      if (!['createdAt', 'valBpb', 'endedAt'].includes(o.sort)) {
        throw new FlywheelError('bad_input', `--sort ${o.sort}: use createdAt, valBpb or endedAt`);
      }
      const store = await openCliStore();
      try {
        const filter = {
          status: o.status.length ? (o.status as RunStatus[]) : undefined,
          sessionId: o.session,
          orderBy: o.sort as 'createdAt' | 'valBpb' | 'endedAt',
          desc: o.sort !== 'valBpb',
        };
        const [runs, total] = await Promise.all([
          store.listRuns({ ...filter, limit: o.limit, offset: o.offset }),
          store.countRuns(filter),
        ]);
        if (o.json) {
          printJson({
            total,
            runs: runs.map((r) => ({
              ...runJson(r),
              createdAt: r.createdAt,
              endedAt: r.endedAt ?? null,
              sessionId: r.sessionId ?? null,
            })),
          });
          return;
        }
        const rows = runs.map((r) => [
          r.id,
          r.status,
          r.preset ?? '-',
          r.summary.valBpb !== undefined ? Number(r.summary.valBpb).toFixed(4) : '-',
          r.summary.tokens !== undefined ? fmtCount(r.summary.tokens) : '-',
          r.summary.wallSeconds !== undefined ? `${r.summary.wallSeconds.toFixed(1)}s` : '-',
          r.createdAt.replace('T', ' ').slice(0, 19),
        ]);
        const head = ['run', 'status', 'preset', 'val bpb', 'tokens', 'wall', 'created'];
        const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
        const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
        console.log(fmt(head));
        for (const r of rows) console.log(fmt(r));
        if (total > runs.length) console.log(`(${runs.length} of ${total}; --limit/--offset for more)`);
      } finally {
        await store.close();
      }
    });
}
