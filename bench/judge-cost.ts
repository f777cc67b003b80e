/**
 * `npx tsx bench/judge-cost.ts`: what the trusted judge costs per final eval (src/judge/,
 * python/judge/judge.py). One run of the `tiny` preset (agent code: a no-op patch, so it is sandboxed
 * and judged) on the tiny test dataset, then REPEAT judgements of its final weights. Baseline, measured
 * in the same process on the same weights and val tokens: the harness's in-process final eval
 * (harness.evaluate in one Python process; reported both as the evaluate() call alone and as a whole
 * process start to exit, torch import included, which is what a separate judge process must pay too).
 * Also timed: the same judgement with a second val slice scored (`alsoTokensPerDomain`: the val shards'
 * length, up to 4x the final eval), what a judged base's run below the top rung pays (src/judge/apply.ts).
 * Prints one JSON object (the lead copies the numbers into BENCHMARKS.md).
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { presetConfig } from '../src/config/presets.ts';
import { TrainConfig } from '../src/config/train-config.ts';
import { loadDatasetMeta } from '../src/data/prepare.ts';
import { repoRoot } from '../src/home.ts';
import { judgeRun } from '../src/judge/judge.ts';
import { findPython } from '../src/runs/python.ts';
import { openLab, patchTrainer, runJudged } from '../test/helpers/judged-run.ts';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const log = (m: string) => process.stderr.write(`${m}\n`);

const lab = await openLab();
try {
  const p = presetConfig('tiny') as unknown as Record<string, Record<string, unknown>>;
  const config = TrainConfig.parse({
    ...p,
    train: { ...p.train, threads: 1 },
    budget: { tokens: 32_768 },
    data: { ...p.data, dir: lab.dataDir },
  });
  const code = patchTrainer(lab, 'noop', [
    { file: 'train.py', search: 'def train(run):\n', replace: 'def train(run):  # a no-op agent edit\n' },
  ]);
  log('training one tiny run (sandboxed, judged)...');
  const run = await runJudged(lab, code, { config });
  if (run.status !== 'completed') throw new Error(`run ${run.status}: ${run.statusReason}`);
  const tokens = config.train.finalEvalTokensPerDomain;
  const judged: number[] = [];
  let last: Awaited<ReturnType<typeof judgeRun>> | undefined;
  for (let i = 0; i < REPEAT; i++) {
    const t0 = Date.now();
    last = await judgeRun({ runDir: run.runDir, codeDir: code.codeDir, config }, { tokensPerDomain: tokens });
    if (!last.ok) throw new Error(last.reason);
    judged.push((Date.now() - t0) / 1000);
    log(`judge ${i + 1}/${REPEAT}: ${judged[i].toFixed(2)} s`);
  }
  // a base's run below the top rung: the same judge also scores the top rung's slice (here as much of
  // the val shards as there is, up to 4x the final eval)
  const also = Math.min(4 * tokens, ...loadDatasetMeta(lab.dataDir).domains.map((d) => d.valTokens));
  const judgedAlso: number[] = [];
  let lastAlso: Awaited<ReturnType<typeof judgeRun>> | undefined;
  for (let i = 0; i < REPEAT; i++) {
    const t0 = Date.now();
    lastAlso = await judgeRun(
      { runDir: run.runDir, codeDir: code.codeDir, config },
      { tokensPerDomain: tokens, alsoTokensPerDomain: also },
    );
    if (!lastAlso.ok) throw new Error(lastAlso.reason);
    judgedAlso.push((Date.now() - t0) / 1000);
    log(`judge with a second slice ${i + 1}/${REPEAT}: ${judgedAlso[i].toFixed(2)} s`);
  }
  const py = `
import contextlib, json, sys, time, torch
sys.path.insert(0, sys.argv[1])
import harness, train
cfg = json.loads(sys.argv[3])
data = harness.Dataset(sys.argv[4])
model = train.build_model(cfg["model"], data.vocab_size)
model.load_state_dict(torch.load(sys.argv[2], weights_only=True))
t0 = time.perf_counter()
vs = harness.ValSet(data, int(sys.argv[5]), cfg["model"]["seqLen"], torch.device("cpu"), "val")
res = harness.evaluate(model, vs, max(1, cfg["train"]["batchTokens"] // cfg["model"]["seqLen"]), contextlib.nullcontext)
print(json.dumps(dict(res, seconds=time.perf_counter() - t0)))`;
  const inCall: number[] = [];
  const inProc: number[] = [];
  let inBpb = 0;
  for (let i = 0; i < REPEAT; i++) {
    const t0 = Date.now();
    const r = spawnSync(
      findPython(),
      [
        '-c',
        py,
        code.codeDir,
        join(run.runDir, 'final-weights.pt'),
        JSON.stringify(config),
        lab.dataDir,
        String(tokens),
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, OMP_NUM_THREADS: '1', FLYWHEEL_PYTHON_DIR: join(repoRoot, 'python') },
      },
    );
    if (r.status !== 0) throw new Error(r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { seconds: number; valBpb: number };
    inProc.push((Date.now() - t0) / 1000);
    inCall.push(out.seconds);
    inBpb = out.valBpb;
  }
  const j = last as Extract<typeof last, { ok: true }>;
  const result = {
    command: 'npx tsx bench/judge-cost.ts',
    machine: `${cpus().length} x ${cpus()[0]?.model ?? '?'}, load ${loadavg()[0].toFixed(2)}`,
    model: config.model,
    valTokensPerDomain: tokens,
    domains: Object.keys(j.byDomain).length,
    probes: j.probes,
    judgeSeconds: median(judged),
    judgeInnerSeconds: j.seconds,
    inProcessEvalSeconds: median(inCall),
    inProcessProcessSeconds: median(inProc),
    ratioToEvalCall: median(judged) / median(inCall),
    ratioToEvalProcess: median(judged) / median(inProc),
    alsoTokensPerDomain: also,
    judgeAlsoSeconds: median(judgedAlso),
    ratioAlsoToJudge: median(judgedAlso) / median(judged),
    alsoBpb: (lastAlso as Extract<typeof lastAlso, { ok: true }>).also?.valBpb ?? null,
    judgeBpb: j.valBpb,
    inProcessBpb: inBpb,
    absDiff: Math.abs(j.valBpb - inBpb),
  };
  process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
} finally {
  await lab.close();
}
