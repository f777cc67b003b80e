/**
 * A writer process (spawned by multi-process.ts): opens the SQLite file, migrating it if fresh, possibly
 * at the same moment as its siblings; creates its own run; appends train points in batches like a live
 * run would, also to a run shared by all workers when `shared` is set. Flags: see WorkerArgs.
 *
 *   node --import tsx src/store/ingest-worker.ts '{"db":"/tmp/x.db","worker":0,"points":1000,"batch":10}'
 */
import { isFlywheelError } from '../errors.ts';
import { livePoint, workerRunId, type WorkerArgs } from './multi-process.ts';
import { SqliteStore } from './sqlite.ts';

async function main(args: WorkerArgs) {
  const store = await SqliteStore.open(args.db);
  await store.migrate();
  const base = { config: {} as never, configHash: 'bench', seed: args.worker, status: 'running' as const };
  const runId = workerRunId(args.worker);
  await store.createRun({ ...base, id: runId, runDir: `/tmp/${runId}` });
  if (args.shared) {
    try {
      await store.createRun({ ...base, id: args.shared, runDir: `/tmp/${args.shared}` });
    } catch (e) {
      if (!isFlywheelError(e) || e.code !== 'conflict') throw e; // a sibling created it first
    }
  }
  if (args.barrier) {
    process.stdout.write('ready\n');
    await new Promise((resolve) => process.stdin.once('data', resolve));
    process.stdin.destroy();
  }
  const t0 = performance.now();
  let step = 0;
  while (args.points === 0 || step < args.points) {
    const n = args.points === 0 ? args.batch : Math.min(args.batch, args.points - step);
    const points = Array.from({ length: n }, (_, i) => livePoint(args.worker, step + i));
    await store.appendMetrics(runId, 'train', points);
    if (args.shared) await store.appendMetrics(args.shared, 'train', points);
    step += n;
    if (args.acks) process.stdout.write(`ack ${step}\n`);
  }
  const seconds = (performance.now() - t0) / 1000;
  await store.close();
  process.stdout.write(JSON.stringify({ worker: args.worker, points: step, seconds }) + '\n');
}

main(JSON.parse(process.argv[2]) as WorkerArgs).catch((e) => {
  process.stderr.write(`ingest-worker: ${(e as Error).stack}\n`);
  process.exit(1);
});
