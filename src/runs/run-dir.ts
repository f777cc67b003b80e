/**
 * Creating `runs/<runId>/`: the resolved config.json the trainer reads, a snapshot of the trainer code
 * it will actually execute (so `run --from` re-runs the same code), and its provenance (git commit and
 * diff of the trainer folder, content hashes).
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { TrainConfig } from '../config/train-config.ts';
import { repoRoot, runsRoot } from '../home.ts';
import { snapshotPlan } from './spec-snapshot.ts';

export const DEFAULT_TRAINER_DIR = join(repoRoot, 'trainers', 'gpt');

export function newRunId(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${String(now.getUTCFullYear()).slice(2)}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `r-${stamp}-${randomBytes(3).toString('hex')}`;
}

const SKIP = new Set(['__pycache__', '.git', 'node_modules', '.pytest_cache']);
const skipped = (name: string) => SKIP.has(name) || name.endsWith('.pyc') || name.endsWith('.test.ts');

function listFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (skipped(name)) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p, base));
    else out.push(relative(base, p));
  }
  return out;
}

/**
 * sha256 over (relative path, content) of every file in a code folder (or of `files` in it, in the
 * order the folder's walk lists them), and of harness.py alone.
 */
export function hashCode(dir: string, files = listFiles(dir)): { codeHash: string; harnessHash?: string } {
  const h = createHash('sha256');
  let harnessHash: string | undefined;
  for (const f of files) {
    const content = readFileSync(join(dir, f));
    h.update(f).update('\0').update(content).update('\0');
    if (f === 'harness.py') harnessHash = createHash('sha256').update(content).digest('hex');
  }
  return { codeHash: h.digest('hex'), harnessHash };
}

/**
 * The code hash a run of `config` launched now records. Its snapshot of the trainer folder has the
 * folder's files (`listFiles`), so the hash is the folder's; a spec trainer's snapshot is the files of
 * its plan (runs/spec-snapshot.ts: exclusions and size cap), hashed as `listFiles` would list them in
 * the run's code/ folder.
 */
export function trainerCodeHash(config: TrainConfig): string {
  const spec = config.trainer.spec;
  if (!spec) return hashCode(resolve(config.trainer.dir ?? DEFAULT_TRAINER_DIR)).codeHash;
  const plan = snapshotPlan(spec);
  const files = plan.files.filter((f) => !f.split('/').some(skipped));
  return hashCode(plan.from, files).codeHash;
}

function git(args: string[], cwd: string): string | undefined {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout : undefined;
}

const provenanceCache = new Map<string, { codeCommit?: string; codeDiff?: string }>();

/** Commit of the repo holding `dir`, and the uncommitted diff of that folder (tracked and untracked). */
export function gitProvenance(dir: string, codeHash?: string): { codeCommit?: string; codeDiff?: string } {
  // Sessions launch hundreds of runs from one folder: same content, same answer, no git processes.
  const key = codeHash ? `${resolve(dir)}\0${codeHash}` : undefined;
  const hit = key ? provenanceCache.get(key) : undefined;
  if (hit) return hit;
  const out = gitProvenanceUncached(dir);
  if (key) provenanceCache.set(key, out);
  return out;
}

function gitProvenanceUncached(dir: string): { codeCommit?: string; codeDiff?: string } {
  const commit = git(['rev-parse', 'HEAD'], dir)?.trim();
  if (!commit) return {};
  const top = git(['rev-parse', '--show-toplevel'], dir)?.trim() ?? dir;
  const rel = relative(top, resolve(dir)) || '.';
  let diff = git(['diff', 'HEAD', '--', rel], top) ?? '';
  const untracked =
    git(['ls-files', '--others', '--exclude-standard', '--', rel], top)?.split('\n').filter(Boolean) ?? [];
  for (const f of untracked) diff += git(['diff', '--no-index', '--', '/dev/null', f], top) ?? '';
  return { codeCommit: commit, codeDiff: diff || undefined };
}

export interface PreparedRunDir {
  runId: string;
  runDir: string;
  codeDir: string;
  codeHash: string;
  harnessHash?: string;
  codeCommit?: string;
  codeDiff?: string;
}

/**
 * Make the run folder. `codeFrom` is the trainer folder to snapshot (default trainers/gpt, or a
 * stored run's code/ for a reproduction, or an agent's worktree).
 */
export function createRunDir(
  config: TrainConfig,
  opts: {
    runId?: string;
    codeFrom?: string;
    home?: string;
    /** Known provenance of `codeFrom` (a reproduction carries its parent's commit and diff). */
    provenance?: { codeCommit?: string; codeDiff?: string };
    /** The files of `codeFrom` to copy (default: all but caches); a spec trainer's exclusions and cap. */
    files?: string[];
  } = {},
): PreparedRunDir {
  const runId = opts.runId ?? newRunId();
  const runDir = join(runsRoot(opts.home), runId);
  mkdirSync(runDir, { recursive: true });
  const from = resolve(opts.codeFrom ?? config.trainer.dir ?? DEFAULT_TRAINER_DIR);
  const codeDir = join(runDir, 'code');
  mkdirSync(codeDir, { recursive: true });
  for (const f of opts.files ?? listFiles(from)) {
    mkdirSync(join(codeDir, f, '..'), { recursive: true });
    cpSync(join(from, f), join(codeDir, f));
  }
  writeFileSync(join(runDir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  const hashes = hashCode(codeDir);
  const prov = opts.provenance ?? gitProvenance(from, hashes.codeHash);
  if (prov.codeDiff) writeFileSync(join(runDir, 'code.patch'), prov.codeDiff);
  return { runId, runDir, codeDir, ...hashes, ...prov };
}
