/**
 * `flywheel run --from RUN_ID`: a stored run's exact config and code, again. A run's code snapshot is
 * only trusted when it is byte for byte the reference trainer; anything else (an agent's patch, a
 * trainer edited since) runs in the sandbox and integrity-checked like a code experiment: the snapshot
 * must still be what the parent ran (its stored hash), harness.py must be the reference's, the dataset
 * must not change. Without bubblewrap it is refused unless the user passes --unsafe-no-sandbox
 * (SECURITY.md, "No path around the sandbox").
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainConfig, TrainConfigInput } from '../config/train-config.ts';
import { FlywheelError } from '../errors.ts';
import { codeLaunchOptions, dataHash, integrityRef, type IntegrityRef } from '../research/io/code-guard.ts';
import { isReferenceCode } from '../runs/code-trust.ts';
import type { LaunchOptions } from '../runs/launch.ts';
import { DEFAULT_TRAINER_DIR, hashCode } from '../runs/run-dir.ts';
import { sandboxStatus } from '../sandbox/bwrap.ts';
import type { RunRecord, SessionRecord, Store } from '../store/base.ts';

type FromLaunch = Pick<
  LaunchOptions,
  | 'codeFrom'
  | 'provenance'
  | 'parentRunId'
  | 'extraHash'
  | 'wrapCommand'
  | 'verify'
  | 'unsafeNoSandbox'
  | 'mapStatus'
>;

export interface FromRun {
  base: TrainConfigInput;
  /** Set when the run was a lower rung of a research session (`lowerRungNote`). */
  rungNote?: string;
  /** 'reference': the snapshot is the reference trainer; 'bwrap' | 'none': agent or other code. */
  isolation: 'reference' | 'bwrap' | 'none';
  /** Launch options once the config is resolved and its dataset bound. */
  launch(config: TrainConfig): FromLaunch;
}

export async function fromRun(store: Store, id: string, unsafeNoSandbox: boolean): Promise<FromRun> {
  const parent = await store.getRun(id);
  if (!parent) throw new FlywheelError('not_found', `no run with id "${id}" (see: flywheel runs)`);
  const base = structuredClone(parent.config) as TrainConfigInput;
  delete base.resume;
  const session = parent.sessionId ? await store.getSession(parent.sessionId) : undefined;
  const rungNote = lowerRungNote(parent, session);
  const codeFrom = join(parent.runDir, 'code');
  if (!existsSync(codeFrom))
    throw new FlywheelError('not_found', `run ${id} has no code snapshot (${codeFrom}); cannot re-run it`);
  const provenance = { codeCommit: parent.codeCommit, codeDiff: parent.codeDiff };
  const snapshot = hashCode(codeFrom).codeHash;
  if (isReferenceCode(snapshot))
    return {
      base,
      rungNote,
      isolation: 'reference',
      launch: () => ({ codeFrom, provenance, parentRunId: id }),
    };

  if (parent.codeHash && parent.codeHash !== snapshot)
    throw new FlywheelError(
      'conflict',
      `run ${id}'s code snapshot changed after it ran (hash ${snapshot.slice(0, 12)}, recorded ${parent.codeHash.slice(0, 12)}); refusing to re-run it`,
    );
  const st = sandboxStatus();
  if (!st.ok && !unsafeNoSandbox)
    throw new FlywheelError(
      'missing_dependency',
      `run ${id} ran code that is not the reference trainer, so it re-runs only in the sandbox: ${st.reason}. Pass --unsafe-no-sandbox to run it anyway (not recommended)`,
    );
  const code = {
    codeDir: codeFrom,
    codeHash: snapshot,
    sandbox: st.ok ? ('bwrap' as const) : ('none' as const),
  };
  return {
    base,
    rungNote,
    isolation: code.sandbox,
    launch: (config) => {
      const o = codeLaunchOptions(code, config, refFor(config, codeFrom));
      return { ...o, provenance, parentRunId: id, mapStatus: o.explain };
    },
  };
}

/**
 * Known-good hashes for the re-run: the reference trainer's harness.py for a reference-protocol trainer;
 * for a foreign trainer (`trainer.command`), its own harness.py (or its absence) as stored, which must
 * not change under the run.
 */
function refFor(config: TrainConfig, codeFrom: string): IntegrityRef {
  if (!config.trainer.command) return integrityRef(DEFAULT_TRAINER_DIR, config.data.dir);
  const h = join(codeFrom, 'harness.py');
  return {
    trainerDir: codeFrom,
    harness: existsSync(h) ? createHash('sha256').update(readFileSync(h)).digest('hex') : 'missing',
    data: dataHash(config.data.dir),
    dataDir: config.data.dir,
  };
}

/**
 * A research session makes a run below its top rung with that rung's eval settings (a capped final
 * eval: src/research/io/run-trial.ts `rungRunConfig`), and `--from` keeps them. Re-run at another
 * budget, its val bpb is not comparable with the session's full-budget runs: the same base config on
 * the same seed read 2.3873 with a rung-1 run's eval and 2.4458 with its own (BENCHMARKS.md "What
 * successive halving's first rung stopped"). Undefined for any other run.
 */
export function lowerRungNote(
  run: Pick<RunRecord, 'id' | 'tags' | 'config'>,
  session: Pick<SessionRecord, 'id' | 'spec'> | undefined,
): string | undefined {
  const rungs = session?.spec.rungTokens;
  const rung = Number(run.tags.rung);
  if (!session || !Array.isArray(rungs) || !Number.isInteger(rung) || rung >= rungs.length - 1)
    return undefined;
  return `note: run ${run.id} was rung ${rung} of session ${session.id}, below its full budget: it keeps that rung's eval settings (final eval ${run.config.train.finalEvalTokensPerDomain} tokens per domain), so at another budget its val bpb compares with runs made the same way, not with the session's full-budget runs`;
}
