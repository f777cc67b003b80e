/**
 * The reference trainer (trainers/gpt) as a real process on a small deterministic dataset: the event
 * stream it writes must parse with the protocol's own schema, and each way a run can end (completed,
 * diverged, stopped, failed) must be reported as such. Resume must be exact, and a WSD run must resume
 * from its stable checkpoint under a larger budget. Also python/flywheel_log.py on its own.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { presetConfig } from '../src/config/presets.ts';
import { TrainConfig, type TrainConfigInput } from '../src/config/train-config.ts';
import type { DatasetMeta } from '../src/data/format.ts';
import { repoRoot } from '../src/home.ts';
import { parseEventLine, type RunEvent } from '../src/runs/events.ts';
import { findPython } from '../src/runs/python.ts';
import { writeTinyDataset } from './fixtures/tiny-dataset.ts';

const TRAIN_PY = join(repoRoot, 'trainers', 'gpt', 'train.py');
let tmp: string;
let dataDir: string;
let meta: DatasetMeta;
let python: string;
let runCount = 0;

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'flywheel-trainer-'));
  dataDir = join(tmp, 'data');
  meta = writeTinyDataset(dataDir);
  python = findPython();
});
after(() => rmSync(tmp, { recursive: true, force: true }));

type Obj = Record<string, unknown>;
function merge(a: Obj, b: Obj): Obj {
  const out: Obj = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    const both = v && cur && typeof v === 'object' && typeof cur === 'object' && !Array.isArray(v);
    out[k] = both ? merge(cur as Obj, v as Obj) : v;
  }
  return out;
}

/** A fast config: the tiny preset, smaller, on the fixture dataset (64 steps of 256 tokens). */
function smallConfig(over: Obj = {}): TrainConfigInput {
  const base = merge(presetConfig('tiny') as Obj, {
    model: { depth: 2, width: 32, heads: 2, seqLen: 32 },
    optim: { lr: 1e-2 },
    schedule: { warmupTokens: 1024 },
    train: { batchTokens: 256, evalTokensPerDomain: 512, finalEvalTokensPerDomain: 1024, threads: 1 },
    budget: { tokens: 16384 },
  });
  delete (base.budget as Obj).seconds;
  return merge(base, over) as TrainConfigInput;
}

interface RunResult {
  runDir: string;
  events: RunEvent[];
  code: number | null;
  stderr: string;
}

/** Start train.py in a fresh run dir with the resolved config; optionally act on it while it runs. */
async function runTrainer(
  input: TrainConfigInput,
  during?: (runDir: string, pid: number) => Promise<void>,
): Promise<RunResult> {
  const config = TrainConfig.parse(
    merge(input as Obj, { data: { dir: (input.data as Obj)?.dir ?? dataDir } }),
  );
  const runDir = join(tmp, `run-${runCount++}`);
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, 'config.json'), JSON.stringify(config, null, 2));
  const child = spawn(python, [TRAIN_PY], {
    cwd: repoRoot,
    env: {
      ...process.env,
      FLYWHEEL_RUN_DIR: runDir,
      FLYWHEEL_HOME: join(tmp, 'home'), // the device peak is measured once for the whole file
      FLYWHEEL_PYTHON_DIR: join(repoRoot, 'python'),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  if (during) await during(runDir, child.pid!);
  const code = await exited;
  return { runDir, events: readEvents(runDir), code, stderr };
}

function readEvents(runDir: string): RunEvent[] {
  const lines = readFileSync(join(runDir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean);
  return lines.map((line) => {
    const r = parseEventLine(line);
    assert.ok(r.ok, `invalid event line: ${line}\n${r.ok ? '' : r.error}`);
    return r.event;
  });
}

const ofKind = <K extends RunEvent['kind']>(events: RunEvent[], kind: K) =>
  events.filter((e): e is Extract<RunEvent, { kind: K }> => e.kind === kind);
const endOf = (events: RunEvent[]) => {
  const end = events.at(-1);
  assert.equal(end?.kind, 'end', 'the last event is end');
  return end as Extract<RunEvent, { kind: 'end' }>;
};

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('reference trainer', () => {
  test('a tiny-preset run completes with valid events and a finite val bpb for every domain', async () => {
    const cfg = merge(presetConfig('tiny') as Obj, { train: { threads: 1 } }) as TrainConfigInput;
    const r = await runTrainer(cfg);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.events[0].kind, 'start');
    const start = r.events[0] as Extract<RunEvent, { kind: 'start' }>;
    assert.ok(start.params > 0 && start.flopsPerToken > 0 && (start.peakFlops ?? 0) > 0);
    const trains = ofKind(r.events, 'train');
    assert.ok(trains.length > 10);
    trains.forEach(
      (t, i) => i > 0 && assert.ok(t.step > trains[i - 1].step && t.tokens > trains[i - 1].tokens),
    );
    const evals = ofKind(r.events, 'eval');
    assert.ok(evals.length >= 2, 'intermediate evals and a final one');
    assert.equal(evals.filter((e) => e.final).length, 1);
    const end = endOf(r.events);
    assert.equal(end.status, 'completed');
    assert.ok(Number.isFinite(end.valBpb) && (end.valBpb as number) > 0);
    assert.deepEqual(Object.keys(end.byDomain ?? {}).sort(), meta.domains.map((d) => d.name).sort());
    for (const v of Object.values(end.byDomain ?? {})) assert.ok(Number.isFinite(v));
    assert.ok((end.flops ?? 0) > 0 && (end.tokPerSec ?? 0) > 0);
    assert.ok(
      (end.valBpb as number) < meta.unigramBpb,
      `learned something: ${end.valBpb} < unigram ${meta.unigramBpb}`,
    );
    for (const d of meta.domains) assert.ok((end.byDomainSe?.[d.name] ?? -1) > 0, `se of ${d.name}`);
  });

  test('every point of the per-domain curve, the last included, scores the same windows, with a standard error', async () => {
    const r = await runTrainer(smallConfig());
    assert.equal(r.code, 0, r.stderr);
    const evals = ofKind(r.events, 'eval');
    const periodic = evals.filter((e) => !e.final);
    const final = evals.find((e) => e.final);
    assert.ok(periodic.length >= 2 && final?.curve, 'periodic evals and a final one with its curve point');
    const points = [...periodic, final.curve];
    for (const p of points) {
      assert.equal(p.source, 'live');
      assert.equal(p.evalTokensPerDomain, 512);
      assert.deepEqual(p.byDomainWindows, periodic[0].byDomainWindows, 'the same windows at every point');
      for (const d of meta.domains) {
        const se = p.byDomainSe?.[d.name];
        assert.ok(
          typeof se === 'number' && se > 0 && se < (p.byDomain[d.name] as number),
          `${d.name}: se ${se}`,
        );
      }
    }
    // the verdict number is another slice (the val shards, larger), reported with its own standard error
    assert.equal(final.source, 'val');
    assert.equal(final.evalTokensPerDomain, 1024);
    assert.ok((final.valBpbSe ?? 0) > 0);
    // the curve's last point moves no more than the training between the last two evals could explain
    const last = periodic.at(-1)!;
    for (const d of meta.domains) {
      const a = last.byDomain[d.name] as number;
      const b = final.curve.byDomain[d.name] as number;
      assert.ok(b <= a + 4 * (final.curve.byDomainSe?.[d.name] ?? 0), `${d.name}: ${a} -> ${b}`);
    }
  });

  test('a second final-eval size scores what a run with that final eval reports, beside the metric', async () => {
    // a research session's lower-rung base run: capped for ranking, also scored as the top rung is
    const both = await runTrainer(smallConfig({ train: { alsoEvalTokensPerDomain: 512 } }));
    const one = await runTrainer(smallConfig({ train: { finalEvalTokensPerDomain: 512 } }));
    assert.equal(both.code, 0, both.stderr);
    assert.equal(one.code, 0, one.stderr);
    const finalOf = (r: RunResult) => ofKind(r.events, 'eval').find((e) => e.final)!;
    const also = finalOf(both).also!;
    assert.equal(finalOf(both).evalTokensPerDomain, 1024, 'the metric keeps its own size');
    assert.deepEqual([also.source, also.evalTokensPerDomain], ['val', 512]);
    assert.equal(also.valBpb, finalOf(one).valBpb, 'the same windows of the same weights');
    assert.notEqual(also.valBpb, finalOf(both).valBpb);
    assert.equal(finalOf(one).also, undefined, 'not asked for, not scored');
  });

  test('a tiny-preset run with lr=50 ends diverged within a few dozen steps, with the reason', async () => {
    // tiny trains with Muon: at lr=50 the model first dies (loss ~ ln V, zero gradients), then the
    // decoupled weight decay (x(1 - lr*wd) = x(-4) per step) overflows the weights -> NaN loss
    const r = await runTrainer(
      merge(presetConfig('tiny') as Obj, { optim: { lr: 50 }, train: { threads: 1 } }) as TrainConfigInput,
    );
    assert.equal(r.code, 0, r.stderr);
    const end = endOf(r.events);
    assert.equal(end.status, 'diverged');
    assert.match(end.reason, /loss=.* at step \d+/);
    assert.ok((end.step ?? 999) <= 100, `diverged at step ${end.step}`);
    // with AdamW the first update already throws the loss above 3x its initial value
    const a = await runTrainer(smallConfig({ optim: { name: 'adamw', lr: 50 } }));
    assert.equal(endOf(a.events).status, 'diverged');
    assert.ok((endOf(a.events).step ?? 999) <= 5, `AdamW diverged at step ${endOf(a.events).step}`);
  });

  test('SIGTERM finishes the step, evaluates and ends stopped', async () => {
    const cfg = smallConfig({ budget: { tokens: 1e9 } });
    const r = await runTrainer(cfg, async (runDir, pid) => {
      const f = join(runDir, 'events.jsonl');
      await waitFor(() => existsSync(f) && readFileSync(f, 'utf8').includes('"kind":"train"'), 30_000);
      process.kill(pid, 'SIGTERM');
    });
    assert.equal(r.code, 0, r.stderr);
    const end = endOf(r.events);
    assert.equal(end.status, 'stopped');
    assert.match(end.reason, /SIGTERM/);
    assert.ok(Number.isFinite(end.valBpb));
    assert.equal(ofKind(r.events, 'eval').at(-1)?.final, true);
  });

  test('an exception ends the run failed with the exception line and a non-zero exit', async () => {
    const r = await runTrainer(smallConfig({ data: { dir: join(tmp, 'no-such-dataset') } }));
    assert.notEqual(r.code, 0);
    const end = endOf(r.events);
    assert.equal(end.status, 'failed');
    assert.match(end.reason, /No such file/);
  });

  test('a run resumed from a checkpoint continues exactly as the uninterrupted run', async () => {
    // dropout makes the torch RNG matter too
    const cfg = smallConfig({ model: { dropout: 0.1 }, train: { checkpointEveryTokens: 8192 } });
    const a = await runTrainer(cfg);
    assert.equal(endOf(a.events).status, 'completed', a.stderr);
    const ckpt = ofKind(a.events, 'checkpoint').find((c) => c.phase === 'periodic');
    assert.ok(ckpt, 'a periodic checkpoint');
    const b = await runTrainer(
      merge(cfg as Obj, { resume: { checkpoint: join(a.runDir, ckpt.path) } }) as TrainConfigInput,
    );
    assert.equal(endOf(b.events).status, 'completed', b.stderr);
    assert.equal((b.events[0] as Obj).resumedFrom, join(a.runDir, ckpt.path));
    const after = (rr: RunResult) => ofKind(rr.events, 'train').filter((t) => t.step > ckpt.step);
    assert.ok(after(b).length > 10);
    assert.deepEqual(
      after(b).map((t) => [t.step, t.tokens, t.loss]),
      after(a).map((t) => [t.step, t.tokens, t.loss]),
    );
    assert.equal(endOf(b.events).valBpb, endOf(a.events).valBpb);
  });

  test('a WSD run checkpoints at the end of its stable phase and resumes under a larger budget', async () => {
    const cfg = smallConfig({
      schedule: { name: 'wsd', warmdownFrac: 0.5, warmupTokens: 1024 },
      train: { checkpointAtStable: true },
      budget: { tokens: 8192 },
    });
    const c = await runTrainer(cfg);
    assert.equal(endOf(c.events).status, 'completed', c.stderr);
    const stable = ofKind(c.events, 'checkpoint').filter((e) => e.phase === 'stable');
    assert.equal(stable.length, 1);
    assert.equal(stable[0].tokens, 4096, 'saved when the warmdown begins (half of 8192 tokens)');
    const peak = 1e-2;
    const lrAt = (rr: RunResult, step: number) => ofKind(rr.events, 'train').find((t) => t.step === step)!.lr;
    assert.ok(lrAt(c, stable[0].step) > peak * 0.99 && lrAt(c, stable[0].step + 2) < peak * 0.99);

    const d = await runTrainer(
      merge(cfg as Obj, {
        budget: { tokens: 16384 },
        resume: { checkpoint: join(c.runDir, stable[0].path) },
      }) as TrainConfigInput,
    );
    const end = endOf(d.events);
    assert.equal(end.status, 'completed', d.stderr);
    assert.equal(end.tokens, 16384);
    const trains = ofKind(d.events, 'train');
    assert.equal(trains[0].step, stable[0].step + 1);
    // the first step after the checkpoint sees the same weights and batch as in the original run
    assert.equal(trains[0].loss, ofKind(c.events, 'train').find((t) => t.step === stable[0].step + 1)!.loss);
    // the stable phase goes on until half of the new budget, then the LR warms down to minLrFrac
    for (const t of trains.filter((t) => t.tokens <= 8192))
      assert.ok(Math.abs(t.lr - peak) < 1e-9, `lr ${t.lr} at ${t.tokens}`);
    assert.ok(trains.at(-1)!.lr < peak * 0.2);
    const dStable = ofKind(d.events, 'checkpoint').filter((e) => e.phase === 'stable');
    assert.deepEqual(
      dStable.map((e) => e.tokens),
      [8192],
    );
  });
});

describe('python/flywheel_log.py', () => {
  const runPy = (code: string, env: Record<string, string | undefined>) =>
    new Promise<{ code: number | null; stdout: string }>((res) => {
      const child = spawn(python, ['-c', code], {
        env: { ...process.env, PYTHONPATH: join(repoRoot, 'python'), ...env },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('exit', (c) => res({ code: c, stdout }));
    });

  test('writes valid events from several threads, NaN as null, and an end event at exit', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'flywheel-log-'));
    try {
      const code = [
        'import threading, flywheel_log as fl',
        'def work(k):',
        '    for i in range(50): fl.log(step=k * 100 + i, loss=float("nan") if i == 7 else 2.5, lr=1e-3, grad_norm=1.0)',
        'ts = [threading.Thread(target=work, args=(k,)) for k in range(4)]',
        '[t.start() for t in ts]; [t.join() for t in ts]',
        'fl.eval(step=400, val_loss=2.0, val_bpb=1.5, by_domain={"news": 1.4, "code": float("inf")})',
      ].join('\n');
      const r = await runPy(code, { FLYWHEEL_RUN_DIR: runDir });
      assert.equal(r.code, 0);
      const events = readEvents(runDir);
      assert.equal(events[0].kind, 'start');
      assert.equal(ofKind(events, 'train').length, 200);
      assert.equal(ofKind(events, 'train').filter((t) => Number.isNaN(t.loss)).length, 4);
      const ev = ofKind(events, 'eval')[0];
      assert.equal(ev.valBpb, 1.5);
      assert.ok(Number.isNaN(ev.byDomain.code)); // inf was written as null
      const end = endOf(events);
      assert.equal(end.status, 'completed');
      assert.equal(end.valBpb, 1.5);
      assert.equal(r.stdout.split('\n').filter((l) => l.startsWith('@flywheel ')).length, events.length);
    } finally {
      rmSync(runDir, { recursive: true, force: true });
    }
  });

  test('only prints when FLYWHEEL_RUN_DIR is unset, and reports an uncaught exception as failed', async () => {
    const r = await runPy('import flywheel_log as fl\nfl.log(step=1, loss=3.0)\nraise RuntimeError("boom")', {
      FLYWHEEL_RUN_DIR: undefined,
    });
    assert.notEqual(r.code, 0);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('@flywheel '));
    const events = lines.map((l) => {
      const p = parseEventLine(l);
      assert.ok(p.ok, l);
      return p.event;
    });
    assert.deepEqual(
      events.map((e) => e.kind),
      ['start', 'train', 'end'],
    );
    const end = endOf(events);
    assert.equal(end.status, 'failed');
    assert.match(end.reason, /RuntimeError: boom/);
  });
});
