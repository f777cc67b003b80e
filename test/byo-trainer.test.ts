/**
 * Bring your own trainer, end to end through the CLI (README "Bring your own trainer"): three stand-in
 * scripts under test/fixtures/byo/ (nanoGPT-style prints, an autoresearch-style final line, flywheel_log)
 * run with `flywheel run --trainer`, the live monitor on one that diverges, `--data` by a bad hash, and a
 * short `flywheel research --trainer` session over a script's knobs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { trainerCodeHash } from '../src/runs/run-dir.ts';
import { openStore } from '../src/store/open.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'flywheel.js');
const FIX = join(import.meta.dirname, 'fixtures', 'byo');
const home = mkdtempSync(join(tmpdir(), 'fw-byo-'));
const env = { ...process.env, FLYWHEEL_HOME: home };
const cli = (args: string[], timeout = 180_000) =>
  spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout });
const spec = (name: string) => join(FIX, name, 'flywheel.trainer.json');
const run = (args: string[]) => {
  const r = cli(['run', ...args, '--json']);
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  return JSON.parse(r.stdout) as Record<string, unknown> & { runDir: string; runId: string };
};

after(() => rmSync(home, { recursive: true, force: true }));

describe('flywheel run --trainer', () => {
  it("reports a nanoGPT-style script's last eval, tokens from the spec, a stored curve and a snapshot of its folder", async () => {
    const out = run(['--trainer', spec('nanogpt_like'), '--budget', '15360tok']);
    assert.equal(out.status, 'completed');
    const printed = readFileSync(join(out.runDir, 'stdout.log'), 'utf8');
    const evals = [...printed.matchAll(/^step (\d+): train loss [\d.]+, val loss ([\d.]+)$/gm)];
    const last = evals.at(-1)!;
    assert.equal(last[1], '20'); // 15360 tokens / (12 x 64) = 20 steps: --max_iters=20
    assert.equal(out.valLoss, Number(last[2]));
    assert.ok(Math.abs((out.valBpb as number) - Number(last[2]) / Math.log(2)) < 1e-9); // 1 byte per token
    const steps = [...printed.matchAll(/^iter (\d+):/gm)].map((m) => Number(m[1]));
    assert.equal(out.tokens, steps.at(-1)! * 12 * 64);
    assert.equal(out.params, 790_000); // read from "number of parameters: 0.79M"
    assert.equal(out.flops, (out.tokens as number) * 6 * 790_000);
    const store = await openStore({ home });
    try {
      const m = await store.getMetrics(out.runId);
      assert.equal(m.train.length, steps.length);
      assert.equal(m.eval.length, evals.length);
    } finally {
      await store.close();
    }
    assert.ok(existsSync(join(out.runDir, 'code', 'train.py')));
    assert.ok(!existsSync(join(out.runDir, 'code', 'data')), 'data/** is excluded from the snapshot');
  });

  it('passes knobs as env vars and reads the final line of an autoresearch-style script', () => {
    const out = run([
      '--trainer',
      spec('autoresearch_like'),
      '--set',
      'matrix_lr=0.02',
      '--budget',
      '1s',
      '--seed',
      '5',
    ]);
    assert.equal(out.status, 'completed');
    const printed = readFileSync(join(out.runDir, 'stdout.log'), 'utf8');
    assert.equal(out.valBpb, Number(/^val_bpb:\s+([\d.]+)$/m.exec(printed)![1]));
    assert.deepEqual(out.knobs, { matrix_lr: 0.02, depth: 8 });
    assert.equal(out.params, 8 * 1.4e6);
  });

  it('imports flywheel_log in a launched script without any PYTHONPATH of its own', () => {
    const out = run(['--trainer', spec('flywheel_log_like'), '--set', 'lr=0.001']);
    assert.equal(out.status, 'completed');
    assert.ok(Number.isFinite(out.valLoss) && Number.isFinite(out.valBpb));
    assert.equal(out.tokens, 79 * 512); // ceil(40000 / 512) steps
    assert.deepEqual(JSON.parse(readFileSync(join(out.runDir, 'knobs.json'), 'utf8')), { lr: 0.001 });
  });

  it('stops a diverging script with the monitor and says why; --no-monitor leaves it alone', () => {
    const r = cli(['run', '--trainer', spec('nanogpt_like'), '--set', 'learning_rate=0.09', '--json']);
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    const out = JSON.parse(r.stdout);
    assert.equal(out.status, 'diverged');
    assert.equal(out.monitor.rule, 'divergence');
    assert.match(r.stderr, /the monitor stopped run .*: divergence: loss median/);
    const free = cli([
      'run',
      '--trainer',
      spec('nanogpt_like'),
      '--set',
      'learning_rate=0.09',
      '--no-monitor',
      '--json',
    ]);
    const o2 = JSON.parse(free.stdout);
    assert.equal(o2.monitor, undefined);
    assert.notEqual(o2.status, 'stopped');
  });

  it('refuses a bad --data hash, an unknown knob and an out-of-range value in one line each', () => {
    for (const [args, msg] of [
      [['--data', 'deadbeef00'], /--data deadbeef00: no prepared dataset/],
      [['--set', 'learning_rat=0.1'], /unknown knob "learning_rat"/],
      [['--set', 'learning_rate=2'], /outside \[0\.0001, 0\.1\]/],
    ] as const) {
      const r = cli(['run', '--trainer', spec('nanogpt_like'), ...args]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, msg);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });
});

describe('flywheel research --trainer', () => {
  const research = () =>
    cli(
      [
        'research',
        '--trainer',
        spec('nanogpt_like'),
        '--budget',
        '3m',
        '--full-tokens',
        '23040',
        '--max-proposals',
        '2',
        '--json',
      ],
      300_000,
    );

  it("runs the engine over the script's knobs: baseline seeds, TPE proposals on knobs.*, successive halving", () => {
    const r = research();
    assert.equal(r.status, 0, r.stderr.slice(-3000));
    const out = JSON.parse(r.stdout);
    // >= 2: a re-based base (README "Research sessions") or history-covered noise needs only 2 seeds
    assert.ok(out.baseline.n >= 2, JSON.stringify(out.baseline));
    assert.ok(out.runs.failed === 0, JSON.stringify(out.runs));
    assert.match(
      r.stderr,
      /starting from trainer:nanogpt-like \(knobs\.learning_rate, knobs\.weight_decay\)/,
    );
    // a wall-time budget is sized from measured throughput even when --full-tokens sets the runs
    assert.match(
      r.stderr,
      /throughput \d+ tok\/s \(.+\), start-up [\d.]+ s: rungs [\d /]+ tokens \(--full-tokens\)/,
    );
    const proposals = [...r.stderr.matchAll(/\[proposal\] p\d+: (.*)/g)].map((m) => m[1]);
    assert.ok(
      proposals.length >= 1 && proposals.every((p) => /learning_rate|weight_decay/.test(p)),
      proposals.join('\n'),
    );
  });

  it("starts the next session with the base runs the last one made of the script's config", async () => {
    // the code hash a run records is the one its snapshot plan gives (runs/run-dir.ts trainerCodeHash)
    const store = await openStore({ home });
    try {
      const [last] = await store.listRuns({ limit: 1, fields: 'full' });
      assert.ok(last?.config.trainer.spec, 'a spec trainer run is stored');
      assert.equal(trainerCodeHash(last.config), last.codeHash);
      // the spec says its seed pairs ("seed": {"pairs": true}): the session recorded it
      const [session] = await store.listSessions({ limit: 1 });
      assert.equal(session?.spec.pairedSeeds, true);
    } finally {
      await store.close();
    }
    const r = research();
    assert.equal(r.status, 0, r.stderr.slice(-3000));
    assert.match(
      r.stderr,
      /baseline: \d+ run\(s\) of this config at these rungs carried from earlier session\(s\)/,
    );
  });
});
