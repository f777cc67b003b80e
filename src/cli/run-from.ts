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
import type { Store } from '../store/base.ts';

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
  const codeFrom = join(parent.runDir, 'code');
  if (!existsSync(codeFrom))
    throw new FlywheelError('not_found', `run ${id} has no code snapshot (${codeFrom}); cannot re-run it`);
  const provenance = { codeCommit: parent.codeCommit, codeDiff: parent.codeDiff };
  const snapshot = hashCode(codeFrom).codeHash;
  if (isReferenceCode(snapshot))
    return { base, isolation: 'reference', launch: () => ({ codeFrom, provenance, parentRunId: id }) };

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
