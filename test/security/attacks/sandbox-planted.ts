/**
 * Shared by the sandbox-* attacks: a planted trainer (the reference trainer folder with `train.py`
 * replaced by the attacker's script) launched the way a code experiment is launched in production:
 * `codeLaunchOptions` (the sandbox, its limits, the wall clock, the integrity check) through the real
 * launcher and a real SQLite store in a temporary FLYWHEEL_HOME. No torch needed: the scripts are
 * plain Python. Exports no attacks itself.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../../src/config/resolve.ts';
import { codeLaunchOptions, type CodeRun } from '../../../src/research/io/code-guard.ts';
import { launchRun, type RunController } from '../../../src/runs/launch.ts';
import { DEFAULT_TRAINER_DIR, hashCode } from '../../../src/runs/run-dir.ts';
import { sandboxStatus } from '../../../src/sandbox/bwrap.ts';
import type { RunRecord, Store } from '../../../src/store/base.ts';
import { openStore } from '../../../src/store/open.ts';
import { writeTinyDataset } from '../../fixtures/tiny-dataset.ts';

export const attacks = [];

/** Why the sandbox attacks cannot run here, or undefined. */
export const noSandbox = (): string | undefined => {
  const st = sandboxStatus();
  return st.ok ? undefined : `bubblewrap unusable here: ${st.reason}`;
};

export interface Lab {
  home: string;
  store: Store;
  dataDir: string;
  close(): Promise<void>;
}

/** A temporary FLYWHEEL_HOME with a store and a tiny dataset; `close` restores the environment. */
export async function openLab(env: Record<string, string> = {}): Promise<Lab> {
  const saved = new Map<string, string | undefined>();
  const set = (k: string, v: string | undefined) => {
    if (!saved.has(k)) saved.set(k, process.env[k]);
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  };
  const home = mkdtempSync(join(tmpdir(), 'fw-attack-'));
  set('FLYWHEEL_HOME', home);
  for (const [k, v] of Object.entries(env)) set(k, v);
  const store = await openStore({ home });
  const dataDir = join(home, 'data', 'tiny');
  writeTinyDataset(dataDir, { trainTokens: 4000, valTokens: 1000 });
  return {
    home,
    store,
    dataDir,
    async close() {
      await store.close();
      for (const [k, v] of saved) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Launch the planted `script` as train.py, sandboxed as a code experiment; resolves when it started. */
export async function launchPlanted(
  lab: Lab,
  script: string,
  o: { heartbeatSeconds?: number; sets?: string[]; pollMs?: number } = {},
): Promise<RunController> {
  const codeDir = join(lab.home, 'sessions', 's', 'code', 'p1');
  rmSync(codeDir, { recursive: true, force: true });
  cpSync(DEFAULT_TRAINER_DIR, codeDir, { recursive: true, filter: (p) => !p.includes('__pycache__') });
  writeFileSync(join(codeDir, 'train.py'), script);
  const code: CodeRun = { codeDir, codeHash: hashCode(codeDir).codeHash, sandbox: 'bwrap' };
  const config = resolveConfig({
    preset: 'tiny',
    sets: [
      `data.dir=${JSON.stringify(lab.dataDir)}`,
      `train.heartbeatSeconds=${o.heartbeatSeconds ?? 60}`,
      'budget.tokens=20480',
      ...(o.sets ?? []),
    ],
  });
  const opts = codeLaunchOptions(code, config);
  return launchRun({ store: lab.store, config, ...opts, mapStatus: opts.explain, pollMs: o.pollMs ?? 100 });
}

export async function runPlanted(
  lab: Lab,
  script: string,
  o: Parameters<typeof launchPlanted>[2] = {},
): Promise<RunRecord> {
  return (await launchPlanted(lab, script, o)).done;
}

/** Every text the store holds about a run: its row, its events, as one string (for "no secret in it"). */
export async function storedText(store: Store, run: RunRecord): Promise<string> {
  const events = await store.listEvents(run.id);
  return JSON.stringify([await store.getRun(run.id), events]);
}
