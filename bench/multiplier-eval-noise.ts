/**
 * `npx tsx bench/multiplier-eval-noise.ts --session ID --candidate PROPOSAL [--block 16] [--resamples 400]`
 * (FLYWHEEL_HOME as for the CLI): how much of a compute multiplier's uncertainty its CI leaves out by
 * resampling seeds only (src/analysis/multiplier.ts). The val slice is a sample of text too; a different
 * slice of the same size reads another multiplier. This re-scores every run the multiplier uses (the
 * session's baseline at each budget and the candidate's top-rung seeds, as `flywheel analyze multiplier`
 * picks them) from its final weights, window by window, on the top rung's slice, with the code it ran;
 * checks that each run's sum equals the value the multiplier read; then draws three 95 % intervals:
 * - seeds: the product's CI (`computeMultiplier`, baseline seeds resampled within their budget, the
 *   candidate's resampled);
 * - slice: the runs as they are, the val windows resampled in blocks of `--block` consecutive windows
 *   within each domain, the same draw for every run (the runs are compared on one slice, so most of a
 *   window's difficulty is shared and cancels);
 * - both: each resample draws the seeds and the windows.
 * Prints one JSON object (the lead copies the numbers into BENCHMARKS.md). Nothing is written.
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { computeMultiplier, type CostedRun } from '../src/analysis/multiplier.ts';
import { multiplierReport } from '../src/analysis/reports.ts';
import { toAnalysisRun } from '../src/analysis/runs.ts';
import { flywheelHome, repoRoot } from '../src/home.ts';
import { findPython } from '../src/runs/python.ts';
import { mulberry32, randInt } from '../src/stats/rng.ts';
import { openStore } from '../src/store/open.ts';

const { values: a } = parseArgs({
  options: {
    session: { type: 'string' },
    candidate: { type: 'string' },
    block: { type: 'string', default: '16' },
    resamples: { type: 'string', default: '400' },
  },
});
if (!a.session || !a.candidate) throw new Error('--session and --candidate are required');
const BLOCK = Number(a.block);
const R = Number(a.resamples);
const log = (m: string) => process.stderr.write(`${m}\n`);

/** Per domain, each val window's (nats, bytes) of the run's final weights, on `tokens` per domain. */
const SCORE = `
import json, sys, torch
sys.path.insert(0, sys.argv[1])
import harness, train
cfg = json.load(open(sys.argv[2]))
data = harness.Dataset(cfg["data"]["dir"])
model = train.build_model(cfg["model"], data.vocab_size)
model.load_state_dict(torch.load(sys.argv[3], weights_only=True))
model.eval()
vs = harness.ValSet(data, int(sys.argv[4]), cfg["model"]["seqLen"], torch.device("cpu"), "val")
rows = []
def score(x_rows, dom):
    x, y = x_rows[:, :-1], x_rows[:, 1:]
    with torch.no_grad():
        _, loss = model(x, y, reduction="none")
    b = vs.token_bytes[y]
    m = (b > 0).double()
    for i in range(x.size(0)):
        rows.append((int(dom[i]), float((loss[i].double() * m[i]).sum()), float(b[i].sum())))
if vs.full:
    r, d = vs.full
    for i in range(0, r.size(0), 32):
        score(r[i:i + 32], d[i:i + 32])
for row, d in vs.tails:
    score(row, [d])
out = {}
for d, nats, nbytes in rows:
    out.setdefault(vs.domains[d], []).append([nats, nbytes])
print(json.dumps(out))`;

type Windows = Record<string, [number, number][]>;

const home = flywheelHome();
const store = await openStore({ home });
let all;
try {
  all = (await store.listRuns({ fields: 'list' })).map(toAnalysisRun);
} finally {
  await store.close();
}
const rep = multiplierReport(all, { candidate: a.candidate, sessionId: a.session });
if (!('ok' in rep) || rep.ok !== true) throw new Error(`no multiplier: ${JSON.stringify(rep)}`);
const byId = new Map(all.map((r) => [r.id, r]));
const cands = rep.candidate.runIds.map((id) => byId.get(id)!);
const slice = cands[0].config.train.finalEvalTokensPerDomain;

/** The value the multiplier read of a run: on the candidates' slice (a lower rung's `alsoEval`). */
const readValue = (id: string) => {
  const r = byId.get(id)!;
  return r.config.train.finalEvalTokensPerDomain === slice ? r.valBpb! : r.alsoEval!.valBpb;
};

const windows = new Map<string, Windows>();
for (const id of [...rep.baseline.runIds, ...rep.candidate.runIds]) {
  const dir = join(home, 'runs', id);
  const r = spawnSync(
    findPython(),
    ['-c', SCORE, join(dir, 'code'), join(dir, 'config.json'), join(dir, 'final-weights.pt'), String(slice)],
    {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '2', FLYWHEEL_PYTHON_DIR: join(repoRoot, 'python') },
      maxBuffer: 1 << 28,
    },
  );
  if (r.status !== 0) throw new Error(`${id}: ${r.stderr}`);
  const w = JSON.parse(r.stdout.trim().split('\n').pop()!) as Windows;
  const got = bpbOf(w, undefined);
  const want = readValue(id);
  if (Math.abs(got - want) > 1e-4) throw new Error(`${id}: re-scored ${got}, the multiplier read ${want}`);
  windows.set(id, w);
  log(`${id}: ${got.toFixed(4)} (read ${want.toFixed(4)})`);
}

/** bpb of a run's windows; `pick[domain]` lists the window blocks drawn (all when undefined). */
function bpbOf(w: Windows, pick: Record<string, number[]> | undefined): number {
  let nats = 0;
  let bytes = 0;
  for (const [d, rows] of Object.entries(w)) {
    const blocks = pick?.[d] ?? [...Array(Math.ceil(rows.length / BLOCK)).keys()];
    for (const b of blocks)
      for (const [n, y] of rows.slice(b * BLOCK, (b + 1) * BLOCK)) {
        nats += n;
        bytes += y;
      }
  }
  return nats / (Math.LN2 * bytes);
}

const costed = (id: string, pick?: Record<string, number[]>): CostedRun => ({
  id,
  flops: byId.get(id)!.flops!,
  valBpb: bpbOf(windows.get(id)!, pick),
});
const baseIds = rep.baseline.runIds;
const candIds = rep.candidate.runIds;
const budgets = rep.baseline.budgets;
const level = (f: number) => budgets.findIndex((b) => f <= b * 1.05);
const groups = budgets.map((_, i) => baseIds.filter((id) => level(byId.get(id)!.flops!) === i));
const domains = Object.keys(windows.get(candIds[0])!);
const nBlocks = Object.fromEntries(
  domains.map((d) => [d, Math.ceil(windows.get(candIds[0])![d].length / BLOCK)]),
);

const rng = mulberry32(1);
const drawSlice = () =>
  Object.fromEntries(
    domains.map((d) => [d, Array.from({ length: nBlocks[d] }, () => randInt(rng, nBlocks[d]))]),
  );
const drawSeeds = () => ({
  base: groups.flatMap((g) => g.map(() => g[randInt(rng, g.length)])),
  cand: candIds.map(() => candIds[randInt(rng, candIds.length)]),
});
const valueOf = (base: string[], cand: string[], pick?: Record<string, number[]>) => {
  const m = computeMultiplier(
    base.map((id) => costed(id, pick)),
    cand.map((id) => costed(id, pick)),
    { resamples: 0 },
  );
  return m.ok ? m.value : NaN;
};
const ci = (xs: number[]) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((x, y) => x - y);
  const q = (p: number) => s[Math.min(s.length - 1, Math.round(p * (s.length - 1)))];
  return [q(0.025), q(0.975)].map((x) => Number(x.toFixed(3)));
};
const sliceOnly: number[] = [];
const both: number[] = [];
for (let r = 0; r < R; r++) {
  sliceOnly.push(valueOf(baseIds, candIds, drawSlice()));
  const s = drawSeeds();
  both.push(valueOf(s.base, s.cand, drawSlice()));
}
const product = computeMultiplier(
  baseIds.map((id) => costed(id)),
  candIds.map((id) => costed(id)),
  {
    resamples: R,
    seed: 0,
  },
);
if (!product.ok) throw new Error(product.missing);
const width = (c: number[]) => c[1] - c[0];
const seedsCi = product.ci95.map((x) => Number(x.toFixed(3)));
const result = {
  command: `npx tsx bench/multiplier-eval-noise.ts --session ${a.session} --candidate ${a.candidate} --block ${BLOCK} --resamples ${R}`,
  machine: `${cpus().length} x ${cpus()[0]?.model ?? '?'}`,
  sliceTokensPerDomain: slice,
  windowsPerDomain: Object.fromEntries(domains.map((d) => [d, windows.get(candIds[0])![d].length])),
  block: BLOCK,
  runs: { baseline: baseIds.length, candidate: candIds.length, budgets },
  value: Number(product.value.toFixed(3)),
  ci95: { seeds: seedsCi, slice: ci(sliceOnly), both: ci(both) },
  widthRatioBothToSeeds: Number((width(ci(both)) / width(seedsCi)).toFixed(2)),
};
process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
