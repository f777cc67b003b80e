/**
 * Admitting a code experiment (autoresearch mode): the researcher's edits are applied to a private copy
 * of the trainer folder (`$FLYWHEEL_HOME/sessions/<session>/code/<proposal>/`), compiled, and run for
 * 20 steps on the tiny preset in the sandbox before any real budget is spent. When a stage fails, the
 * error (Python's traceback tail) goes back to the researcher's `fixCode` for a bounded number of
 * attempts (the debug loop). Every smoke run is a stored run with its patch, kept or not.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { presetConfig } from '../../config/presets.ts';
import { setPath, validateConfig } from '../../config/resolve.ts';
import type { TrainConfig } from '../../config/train-config.ts';
import { errorLine } from '../../errors.ts';
import type { Executor } from '../../executors/base.ts';
import { flywheelHome } from '../../home.ts';
import type { CodeChange, Proposal, Researcher } from '../../researchers/base.ts';
import { datasetVocab, measureCodeFlops } from '../../judge/judge.ts';
import { flopsPerToken } from '../../runs/flops.ts';
import { launchRun } from '../../runs/launch.ts';
import type { TrainerProcess } from '../../runs/process.ts';
import { hashCode } from '../../runs/run-dir.ts';
import { redact } from '../../security/redact.ts';
import { tailLines } from '../../security/safe-read.ts';
import type { JournalKind, RunRecord, Store } from '../../store/base.ts';
import { applyEdits, compileCheck, unifiedDiff, writePatchedTrainer } from './code-edits.ts';
import {
  codeLaunchOptions,
  codePolicy,
  integrityRef,
  patchFileOf,
  trainerDirOf,
  type CodeRun,
} from './code-guard.ts';
import type { Admission } from '../core/proposals.ts';

export const SMOKE_STEPS = 20;
export const DEFAULT_FIX_ATTEMPTS = 2;

export interface CodeHost {
  sessionId: string;
  store: Store;
  executor: Executor;
  researcher: Researcher;
  baseConfig: TrainConfig;
  journal: (
    kind: JournalKind,
    title: string,
    extra?: { body?: string; runIds?: string[]; data?: Record<string, unknown> },
  ) => Promise<unknown>;
  signal?: AbortSignal;
  fixAttempts?: number;
  smokeTimeoutMs?: number;
}

export type CodeAdmission =
  | {
      ok: true;
      proposal: Proposal;
      admission: Extract<Admission, { ok: true }>;
      code: CodeRun;
      smokeRunId?: string;
    }
  | { ok: false; reason: string };

export const sessionCodeDir = (sessionId: string, proposalId: string) =>
  join(flywheelHome(), 'sessions', sessionId, 'code', proposalId);

/** The smoke run's config: the tiny preset on the session's dataset, with the proposal's config part if it fits. */
export function smokeConfig(base: TrainConfig, set: Record<string, unknown>): TrainConfig {
  const make = (withSet: boolean) => {
    const c = presetConfig('tiny') as Record<string, unknown>;
    c.data = { ...base.data };
    c.trainer = base.trainer.dir ? { dir: base.trainer.dir } : {};
    if (withSet) for (const [k, v] of Object.entries(set)) setPath(c, k, v);
    const t = c.train as Record<string, unknown>;
    c.budget = { tokens: SMOKE_STEPS * (t.batchTokens as number) };
    Object.assign(t, {
      evalEveryTokens: 10 * (t.batchTokens as number),
      evalTokensPerDomain: 256,
      finalEvalTokensPerDomain: 512,
      heartbeatSeconds: 60,
      threads: 1, // 20 small steps: one thread is fastest on a shared CPU (see presets.ts)
    });
    return validateConfig(c);
  };
  try {
    return make(true);
  } catch {
    return make(false);
  }
}

/** The trainer's last stderr lines: from the pipe's memory, else a capped no-follow read; redacted. */
function stderrTail(run: RunRecord, proc: TrainerProcess | undefined, lines = 30): string {
  const text = proc?.stderrTail ? proc.stderrTail(lines) : tailLines(join(run.runDir, 'stderr.log'), lines);
  return redact(text);
}

/** 20 steps of the patched trainer in the sandbox. undefined = fine, else the error for the researcher. */
async function smokeRun(
  h: CodeHost,
  code: CodeRun,
  set: Record<string, unknown>,
  title: string,
): Promise<{ runId: string; error?: string }> {
  const config = smokeConfig(h.baseConfig, set);
  const o = codeLaunchOptions(code, config, integrityRef(trainerDirOf(h.baseConfig), h.baseConfig.data.dir));
  const lease = await h.executor.acquire(h.signal);
  try {
    const ctl = await launchRun({
      store: h.store,
      config,
      tags: {
        purpose: 'smoke',
        session: h.sessionId,
        title: title.slice(0, 80),
        threads: String(lease.threads ?? ''),
      },
      ...o,
      executorName: h.executor.name,
      startProcess: (a) => h.executor.start(lease, a),
      mapStatus: o.explain,
    });
    const timer = setTimeout(() => ctl.stop('smoke run took too long'), h.smokeTimeoutMs ?? 300_000);
    const onAbort = () => ctl.stop('session stopped');
    h.signal?.addEventListener('abort', onAbort, { once: true });
    const run = await ctl.done.finally(() => {
      clearTimeout(timer);
      h.signal?.removeEventListener('abort', onAbort);
    });
    const v = run.summary.valBpb;
    if (run.status === 'completed' && typeof v === 'number' && Number.isFinite(v)) return { runId: run.id };
    const tail = stderrTail(run, ctl.proc);
    return {
      runId: run.id,
      error: `smoke run ${run.id} ended ${run.status}: ${run.statusReason ?? ''}${tail ? `\n--- stderr (last lines) ---\n${tail}` : ''}`,
    };
  } finally {
    lease.release();
  }
}

/**
 * Prepare, check and (with the researcher's help) fix a code proposal. `admit` validates the config
 * part and dedups by (config, code hash). `proposalId` names the folder; it is removed on rejection.
 */
export async function admitCodeProposal(
  h: CodeHost,
  prop: Proposal,
  proposalId: string,
  admit: (p: Proposal, codeHash: string) => Admission | Promise<Admission>,
  unsafeNoSandbox: boolean,
): Promise<CodeAdmission> {
  const policy = codePolicy(unsafeNoSandbox);
  if (!policy.ok) return { ok: false, reason: policy.reason };
  const trainerDir = trainerDirOf(h.baseConfig);
  integrityRef(trainerDir, h.baseConfig.data.dir); // known-good hashes before any agent code runs
  const dir = sessionCodeDir(h.sessionId, proposalId);
  const maxFix = h.fixAttempts ?? DEFAULT_FIX_ATTEMPTS;
  let current = prop;
  for (let attempt = 0; ; attempt++) {
    const change = current.change as CodeChange;
    let error: string | undefined;
    let stage = 'edit';
    let smokeRunId: string | undefined;
    const edited = applyEdits(trainerDir, change.edits);
    if (!edited.ok) error = edited.reason;
    else {
      writePatchedTrainer(trainerDir, dir, edited.files);
      const diff = unifiedDiff(trainerDir, dir, edited.files.keys());
      writeFileSync(patchFileOf(dir), diff);
      const codeHash = hashCode(dir).codeHash;
      const a = await admit(current, codeHash);
      if (!a.ok) {
        rmSync(dir, { recursive: true, force: true });
        rmSync(patchFileOf(dir), { force: true });
        return { ok: false, reason: a.reason }; // config errors and duplicates are not the debug loop's business
      }
      stage = 'compile';
      error = compileCheck(dir);
      const code: CodeRun = { codeDir: dir, codeHash, sandbox: policy.sandbox };
      if (!error) {
        stage = 'smoke run';
        const s = await smokeRun(h, code, change.set ?? {}, current.title);
        smokeRunId = s.runId;
        error = s.error;
      }
      if (!error && policy.sandbox === 'bwrap') {
        // the cost of the model this code really builds at the session's config, not the config's formula,
        // relative to the reference model's counted the same way (with the dataset's vocabulary)
        stage = 'cost measurement';
        const m = await measureCodeFlops(dir, a.config);
        if (m.ok) a.cost = m.flopsPerToken / flopsPerToken(h.baseConfig.model, datasetVocab(h.baseConfig));
        else error = m.reason;
      }
      if (!error) {
        await h.journal(
          'note',
          `code experiment "${current.title}": compiles and passed a ${SMOKE_STEPS}-step smoke run${policy.sandbox === 'bwrap' ? ` in the sandbox; measured cost ${a.cost.toFixed(2)}x` : ' (UNSANDBOXED)'}`,
          {
            runIds: smokeRunId ? [smokeRunId] : [],
            body: diff,
          },
        );
        return { ok: true, proposal: current, admission: a, code, smokeRunId };
      }
    }
    await h.journal(
      'note',
      `code experiment "${current.title}" failed at the ${stage} (attempt ${attempt + 1}): ${errorLine(error)}`,
      {
        runIds: smokeRunId ? [smokeRunId] : [],
        body: error,
        data: { stage, attempt: attempt + 1, edits: change.edits },
      },
    );
    const give = (why: string) => {
      rmSync(dir, { recursive: true, force: true });
      rmSync(patchFileOf(dir), { force: true });
      return { ok: false as const, reason: `${stage} failed${why}: ${errorLine(error)}` };
    };
    if (attempt >= maxFix || !h.researcher.fixCode)
      return give(attempt > 0 ? ` after ${attempt} fix attempt(s)` : '');
    let fixed: Proposal | undefined;
    try {
      fixed = await h.researcher.fixCode(current, redact(`${stage} failed:\n${error}`), attempt + 1, {
        signal: h.signal,
        journal: async (kind, title, extra) => {
          await h.journal(kind, title, extra);
        },
      });
    } catch (e) {
      await h.journal(
        'note',
        `researcher ${h.researcher.name} could not fix "${current.title}": ${errorLine(e)}`,
      );
    }
    if (!fixed || fixed.change?.kind !== 'code')
      return give(`; the researcher gave up after ${attempt + 1} attempt(s)`);
    current = { ...fixed, title: fixed.title || current.title, source: current.source };
  }
}
