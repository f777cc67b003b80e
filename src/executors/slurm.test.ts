import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { resolveConfig, validateConfig } from '../config/resolve.ts';
import { launchRun } from '../runs/launch.ts';
import { openStore } from '../store/open.ts';
import { runExecutorSuite } from './executor-suite.ts';
import { envFileText } from './slurm-job.ts';
import { SlurmExecutor } from './slurm.ts';

const PY = process.env.FLYWHEEL_TEST_PYTHON ?? 'python3';
const skip = process.env.FLYWHEEL_TEST_SLURM
  ? undefined
  : 'set FLYWHEEL_TEST_SLURM=1 after scripts/start-slurm.sh';
const tmp = mkdtempSync(join(tmpdir(), 'fw-slurm-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

runExecutorSuite('slurm', (parallel) => SlurmExecutor.connect({ parallel, cpusPerTask: 1 }), { skip });

const AWKWARD = {
  SPACES: 'a b  c',
  QUOTES: `it's "quoted"`,
  DOLLARS: '$HOME ${PATH} $(id) `id`',
  SLASH: 'back\\slash\nnewline',
};

describe('slurm env file', () => {
  it('keeps values with spaces, quotes and dollar signs verbatim when sh sources it, and unsets removed keys', () => {
    const file = join(tmp, 'env.sh');
    writeFileSync(file, envFileText({ ...AWKWARD, SAME: 'x' }, { SAME: 'x', GONE: 'y' }));
    const text = readFileSync(file, 'utf8');
    assert.doesNotMatch(text, /SAME=/, 'only the difference from the submitting env is written');
    const r = spawnSync(
      'sh',
      ['-c', `GONE=y; . ${file}; ${PY} -c 'import json,os; print(json.dumps(dict(os.environ)))'`],
      { encoding: 'utf8' },
    );
    const env = JSON.parse(r.stdout) as Record<string, string>;
    for (const [k, v] of Object.entries(AWKWARD)) assert.equal(env[k], v, k);
    assert.equal(env.GONE, undefined);
  });
});

describe('slurm executor', { skip }, () => {
  it('hands awkward environment values to a real job unchanged', async () => {
    const ex = await SlurmExecutor.connect({ parallel: 1, cpusPerTask: 1 });
    const lease = await ex.acquire();
    const dir = join(tmp, 'env-job');
    mkdirSync(dir, { recursive: true });
    const code = 'import json,os; json.dump(dict(os.environ), open("env.json","w"))';
    const job = await ex.start(lease, {
      runId: 'env-job',
      runDir: dir,
      command: [PY, '-c', code],
      env: { ...process.env, ...AWKWARD },
    });
    assert.match(job.jobId, /^\d+$/);
    assert.equal(job.pid, undefined);
    assert.deepEqual(await job.exited, { code: 0, signal: null });
    lease.release();
    const env = JSON.parse(readFileSync(join(dir, 'env.json'), 'utf8')) as Record<string, string>;
    for (const [k, v] of Object.entries(AWKWARD)) assert.equal(env[k], v, k);
    assert.equal(env.SLURM_JOB_ID, job.jobId);
    await ex.close();
  });

  it('runs a launched run through a batch job to completed, with its metrics in the store', async () => {
    const home = join(tmp, 'home');
    process.env.FLYWHEEL_HOME = home;
    const store = await openStore({ home });
    const ex = await SlurmExecutor.connect({ parallel: 1, cpusPerTask: 1 });
    const lease = await ex.acquire();
    const trainer = [
      'import json,os',
      'f = open(os.path.join(os.environ["FLYWHEEL_RUN_DIR"], "events.jsonl"), "a")',
      'def log(**e): f.write(json.dumps(e) + "\\n"); f.flush()',
      'log(kind="start", params=1000, flopsPerToken=6000, device="cpu")',
      'for s in (1, 2, 3): log(kind="train", step=s, tokens=64*s, flops=384000*s, elapsed=0.1*s, loss=4.0-s/2, lr=1e-3)',
      'log(kind="eval", step=3, tokens=192, flops=1152000, valLoss=2.5, valBpb=1.25, byDomain={"news": 1.2})',
      'log(kind="end", status="completed", reason="budget reached", valBpb=1.25, tokens=192)',
    ].join('\n');
    const config = validateConfig({
      ...resolveConfig({ preset: 'tiny', budget: '60s' }),
      trainer: { command: [PY, '-c', trainer] },
    });
    const ctl = await launchRun({
      store,
      config,
      executorName: 'slurm',
      pollMs: 100,
      startProcess: (a) => ex.start(lease, a),
    });
    const run = await ctl.done;
    lease.release();
    assert.equal(run.status, 'completed', run.statusReason ?? '');
    assert.equal(run.executor, 'slurm');
    assert.equal(run.summary.valBpb, 1.25);
    assert.equal(run.summary.tokens, 192);
    const metrics = await store.getMetrics(run.id);
    assert.equal(metrics.train.length, 3);
    assert.equal(metrics.eval.length, 1);
    await ex.close();
    await store.close();
  });
});
