/**
 * Paths around the sandbox (SECURITY.md, "No path around the sandbox"): re-running a stored run of agent
 * code with `flywheel run --from`, the launcher given a patch folder as `trainer.dir` with no sandbox,
 * and `--set` with a padded key on the CLI. The planted train.py writes a marker (with the API key) into
 * FLYWHEEL_HOME; the attack succeeds if that marker ever appears on the host, or if a tampered harness
 * runs unnoticed.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../../src/config/resolve.ts';
import { isFlywheelError } from '../../../src/errors.ts';
import { launchRun } from '../../../src/runs/launch.ts';
import { createRunDir, DEFAULT_TRAINER_DIR } from '../../../src/runs/run-dir.ts';
import { sandboxStatus } from '../../../src/sandbox/bwrap.ts';
import type { Store } from '../../../src/store/base.ts';
import { openStore } from '../../../src/store/open.ts';
import { writeTinyDataset } from '../../fixtures/tiny-dataset.ts';
import type { Attack, AttackResult } from '../attack.ts';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'flywheel.js');
const SECRET = 'sk-ant-keys-attack-secret';

interface Home {
  home: string;
  store: Store;
  dataDir: string;
  marker: string;
  /** A patch folder like a code experiment's, train.py (and optionally harness.py) planted. */
  patch: string;
}

async function withHome(fn: (h: Home) => Promise<AttackResult>, plantHarness = false): Promise<AttackResult> {
  const home = mkdtempSync(join(tmpdir(), 'fw-keys-paths-'));
  const prev = process.env.FLYWHEEL_HOME;
  process.env.FLYWHEEL_HOME = home;
  const store = await openStore({ home });
  try {
    const dataDir = join(home, 'data', 'tiny');
    writeTinyDataset(dataDir, { trainTokens: 20_000, valTokens: 2_000 });
    const marker = join(home, 'agent-code-ran');
    const patch = join(home, 'sessions', 's-attack', 'code', 'p1');
    mkdirSync(patch, { recursive: true });
    cpSync(DEFAULT_TRAINER_DIR, patch, { recursive: true, filter: (s) => !s.includes('__pycache__') });
    writeFileSync(
      join(patch, 'train.py'),
      `import os\nopen(${JSON.stringify(marker)}, "w").write(str(os.environ.get("ANTHROPIC_API_KEY")))\n`,
    );
    if (plantHarness) writeFileSync(join(patch, 'harness.py'), 'def evaluate(*a, **k):\n    return 0.1\n');
    return await fn({ home, store, dataDir, marker, patch });
  } finally {
    await store.close();
    if (prev === undefined) delete process.env.FLYWHEEL_HOME;
    else process.env.FLYWHEEL_HOME = prev;
    rmSync(home, { recursive: true, force: true });
  }
}

const tinyConfig = (dataDir: string) =>
  resolveConfig({
    preset: 'tiny',
    sets: [`data.dir=${JSON.stringify(dataDir)}`, 'model.seqLen=64', 'train.batchTokens=512'],
    budget: '2048tok',
  });

/** Store a finished run whose code snapshot is the planted patch, as an earlier session would have. */
async function storedAgentRun(h: Home): Promise<string> {
  const config = tinyConfig(h.dataDir);
  const dir = createRunDir(config, { codeFrom: h.patch });
  await h.store.createRun({
    id: dir.runId,
    config,
    configHash: 'agent',
    seed: 0,
    runDir: dir.runDir,
    codeHash: dir.codeHash,
    harnessHash: dir.harnessHash,
    tags: { purpose: 'explore' },
  });
  await h.store.finishRun(dir.runId, 'completed', 'done', { valBpb: 1.0 });
  return dir.runId;
}

const cli = (h: Home, args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, FLYWHEEL_HOME: h.home, ANTHROPIC_API_KEY: SECRET, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });

const oneLine = (s: string) => s.trim().split('\n').length === 1;

export const attacks: Attack[] = [
  {
    id: 'keys-run-from-agent-code',
    title: "flywheel run --from <run of agent code> re-runs the agent's code on the host",
    timeoutMs: 180_000,
    run: () =>
      withHome(async (h) => {
        const parent = await storedAgentRun(h);
        const r = cli(h, ['run', '--from', parent, '--json']);
        const ran = existsSync(h.marker);
        const runs = (await h.store.listRuns()).filter((x) => x.parentRunId === parent);
        if (sandboxStatus().ok) {
          // sandboxed: the planted write lands in the sandbox's own /tmp (or fails), never on the host
          return {
            succeeded: ran || runs.length !== 1,
            detail: `exit ${r.status}; ${runs.length} re-run(s) ${runs.map((x) => `${x.status}: ${x.statusReason}`).join('; ')}; marker on host: ${ran}; ${r.stderr.trim().split('\n').at(-1)}`,
          };
        }
        return {
          succeeded: ran || runs.length > 0 || r.status !== 2 || !/--unsafe-no-sandbox/.test(r.stderr),
          detail: `no bubblewrap: exit ${r.status}, "${r.stderr.trim()}"; marker on host: ${ran}`,
        };
      }),
  },
  {
    id: 'keys-run-from-no-bwrap',
    title: 'flywheel run --from <run of agent code> where bubblewrap is missing runs it unsandboxed',
    timeoutMs: 120_000,
    run: () =>
      withHome(async (h) => {
        const parent = await storedAgentRun(h);
        const r = cli(h, ['run', '--from', parent, '--json'], { FLYWHEEL_BWRAP: join(h.home, 'no-bwrap') });
        const ran = existsSync(h.marker);
        const runs = (await h.store.listRuns()).filter((x) => x.parentRunId === parent);
        return {
          succeeded:
            ran ||
            runs.length > 0 ||
            r.status !== 2 ||
            !oneLine(r.stderr) ||
            !/--unsafe-no-sandbox/.test(r.stderr),
          detail: `exit ${r.status}, "${r.stderr.trim()}"; ${runs.length} re-runs; marker on host: ${ran}`,
        };
      }),
  },
  {
    id: 'keys-run-from-tampered-harness',
    title: 'flywheel run --from <run whose code replaced harness.py> reports the fake eval',
    timeoutMs: 180_000,
    skip: () => (sandboxStatus().ok ? undefined : `bubblewrap unavailable: ${sandboxStatus().reason}`),
    run: () =>
      withHome(async (h) => {
        const parent = await storedAgentRun(h);
        const r = cli(h, ['run', '--from', parent, '--json']);
        const runs = (await h.store.listRuns()).filter((x) => x.parentRunId === parent);
        const ok =
          runs.length === 1 && runs[0].status === 'failed' && /^tampered: /.test(runs[0].statusReason ?? '');
        return {
          succeeded: !ok || existsSync(h.marker),
          detail: `exit ${r.status}; ${runs.map((x) => `${x.status}: ${x.statusReason}`).join('; ') || 'no re-run'}`,
        };
      }, true),
  },
  {
    id: 'keys-launch-patch-as-trainer-dir',
    title: 'the launcher given a patch folder as trainer.dir, with no sandbox, runs agent code on the host',
    timeoutMs: 60_000,
    run: () =>
      withHome(async (h) => {
        const config = { ...tinyConfig(h.dataDir), trainer: { dir: h.patch } };
        let refused = '';
        try {
          const ctl = await launchRun({ store: h.store, config });
          await ctl.done;
        } catch (e) {
          refused = isFlywheelError(e) && e.code === 'conflict' ? e.message : `other error: ${String(e)}`;
        }
        const runs = await h.store.listRuns();
        const ran = existsSync(h.marker);
        return {
          succeeded: !/refusing to run .* outside the sandbox/.test(refused) || runs.length > 0 || ran,
          detail: `launch: ${refused || 'started'}; ${runs.length} runs stored; marker on host: ${ran}`,
        };
      }),
  },
  {
    id: 'keys-cli-set-trainer-dir',
    title: "--set ' trainer.dir=<patch>' (padded) or 'trainer.dir=<patch>' runs agent code from the CLI",
    timeoutMs: 60_000,
    run: () =>
      withHome(async (h) => {
        const padded = cli(h, ['run', '--set', ` trainer.dir=${h.patch}`, '--set', `data.dir=${h.dataDir}`]);
        const plain = cli(h, ['run', '--set', `trainer.dir=${h.patch}`, '--set', `data.dir=${h.dataDir}`]);
        const runs = await h.store.listRuns();
        const ran = existsSync(h.marker);
        const ok =
          padded.status === 2 &&
          oneLine(padded.stderr) &&
          /" trainer\.dir": keys are exact dotted paths/.test(padded.stderr) &&
          plain.status === 2 &&
          oneLine(plain.stderr) &&
          /outside the sandbox/.test(plain.stderr);
        return {
          succeeded: !ok || runs.length > 0 || ran,
          detail: `padded: exit ${padded.status} "${padded.stderr.trim()}"; plain: exit ${plain.status} "${plain.stderr.trim()}"; ${runs.length} runs; marker: ${ran}`,
        };
      }),
  },
];
