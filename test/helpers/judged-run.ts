/**
 * A lab for judge tests and the judge's planted attacks: a tiny dataset, a real SQLite store and
 * FLYWHEEL_HOME in a temp folder, agent edits applied to a private copy of the reference trainer the
 * way a code experiment is admitted (src/research/io/code-edits.ts), and a run of that code launched the
 * way run-trial.ts launches a rung: sandboxed, integrity-checked and judged (codeLaunchOptions).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { presetConfig } from '../../src/config/presets.ts';
import { TrainConfig } from '../../src/config/train-config.ts';
import { applyEdits, writePatchedTrainer } from '../../src/research/io/code-edits.ts';
import { codeLaunchOptions, type CodeRun } from '../../src/research/io/code-guard.ts';
import type { CodeEdit } from '../../src/researchers/base.ts';
import { launchRun } from '../../src/runs/launch.ts';
import { findPython } from '../../src/runs/python.ts';
import { DEFAULT_TRAINER_DIR, hashCode } from '../../src/runs/run-dir.ts';
import { sandboxStatus } from '../../src/sandbox/bwrap.ts';
import type { RunRecord, Store } from '../../src/store/base.ts';
import { openStore } from '../../src/store/open.ts';
import { writeTinyDataset } from '../fixtures/tiny-dataset.ts';

/** Why a judged run cannot happen here, or undefined. */
export function judgeSkip(): string | undefined {
  const st = sandboxStatus();
  if (!st.ok) return `bubblewrap unusable: ${st.reason}`;
  try {
    findPython();
  } catch (e) {
    return (e as Error).message;
  }
  const r = spawnSync(findPython(), [
    '-c',
    'import torch, sys; sys.exit(0 if hasattr(torch, "frombuffer") else 3)',
  ]);
  return r.status === 0 ? undefined : 'torch >= 1.13 missing';
}

export interface Lab {
  root: string;
  dataDir: string;
  store: Store;
  config: TrainConfig;
  close(): Promise<void>;
}

/** A small fast config: 64 steps of 256 tokens of a 2-layer model on the tiny dataset. */
export async function openLab(): Promise<Lab> {
  const root = mkdtempSync(join(tmpdir(), 'fw-judge-'));
  process.env.FLYWHEEL_HOME = join(root, 'home');
  const dataDir = join(root, 'data');
  writeTinyDataset(dataDir);
  const store = await openStore({ home: process.env.FLYWHEEL_HOME });
  const p = presetConfig('tiny') as unknown as Record<string, Record<string, unknown>>;
  const config = TrainConfig.parse({
    ...p,
    model: { ...p.model, depth: 2, width: 32, heads: 2, seqLen: 32 },
    schedule: { ...p.schedule, warmupTokens: 1024 },
    train: {
      ...p.train,
      batchTokens: 256,
      evalTokensPerDomain: 512,
      finalEvalTokensPerDomain: 1024,
      threads: 1,
    },
    budget: { tokens: 16384 },
    data: { ...p.data, dir: dataDir },
  });
  return {
    root,
    dataDir,
    store,
    config,
    async close() {
      await store.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The reference trainer with `edits` applied, admitted as a code experiment would be. */
export function patchTrainer(lab: Lab, name: string, edits: CodeEdit[]): CodeRun {
  const r = applyEdits(DEFAULT_TRAINER_DIR, edits);
  if (!r.ok) throw new Error(r.reason);
  const dir = join(lab.root, 'code', name);
  writePatchedTrainer(DEFAULT_TRAINER_DIR, dir, r.files);
  return { codeDir: dir, codeHash: hashCode(dir).codeHash, sandbox: 'bwrap' };
}

/** Run `code` sandboxed and judged, like a trial rung (src/research/io/run-trial.ts). */
export async function runJudged(
  lab: Lab,
  code: CodeRun,
  o: { config?: TrainConfig; admittedFlopsPerToken?: number } = {},
): Promise<RunRecord> {
  const config = o.config ?? lab.config;
  const opts = codeLaunchOptions(code, config, undefined, o.admittedFlopsPerToken);
  const ctl = await launchRun({
    store: lab.store,
    config,
    tags: { purpose: 'judge-test' },
    codeFrom: opts.codeFrom,
    extraHash: opts.extraHash,
    provenance: opts.provenance,
    wrapCommand: opts.wrapCommand,
    verify: opts.verify,
    judge: opts.judge,
    mapStatus: opts.explain,
    pollMs: 100,
  });
  return ctl.done;
}
