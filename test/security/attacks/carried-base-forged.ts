/**
 * A new session's baseline starts with the runs an earlier session made of its base config
 * (core/carried-base.ts), so a number planted there would become the base every later candidate is
 * judged against, unpaid and unchecked. A researcher's code experiment ran the very config the next
 * session starts from, with a patched trainer that reports 2.0 where the honest trainer measures 3.0,
 * on the seeds the next session's baseline uses. Its runs must not be carried: not as they were
 * recorded (a code proposal), not if the stored session claimed they were a config change (the run's
 * own record says which code ran), and no run whose record disagrees with the session's value or that
 * the guard marked tampered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../../src/config/resolve.ts';
import { carriedBaseRuns } from '../../../src/research/setup.ts';
import { openStore } from '../../../src/store/open.ts';
import { storeRungRun } from '../../helpers/stored-run.ts';
import type { Attack } from '../attack.ts';

const RUNGS = [4096, 12288];

export const attacks: Attack[] = [
  {
    id: 'carried-base-forged',
    title:
      "an earlier code experiment's fake numbers for the next session's base config, to be carried into its baseline",
    timeoutMs: 60_000,
    run: async () => {
      const home = mkdtempSync(join(tmpdir(), 'fw-atk-carry-'));
      const store = await openStore({ home });
      try {
        const config = resolveConfig({ preset: 'tiny' });
        const trial = (proposalId: string, seed: number, id: string) => ({
          proposalId,
          seed,
          purpose: 'seeds',
          results: { 1: 2.0 },
          rungRuns: { 1: id },
        });
        // the code experiment's runs, as recorded; a forged session claiming them as a config change;
        // a forged value on an honest run; an honest run the guard marked tampered
        await storeRungRun(store, config, RUNGS, {
          id: 'code-1000',
          seed: 1000,
          rung: 1,
          value: 2.0,
          code: 'abc',
        });
        await storeRungRun(store, config, RUNGS, {
          id: 'code-1001',
          seed: 1001,
          rung: 1,
          value: 2.0,
          code: 'abc',
        });
        await storeRungRun(store, config, RUNGS, { id: 'honest-1002', seed: 1002, rung: 1, value: 3.0 });
        await storeRungRun(store, config, RUNGS, {
          id: 'marked-11000',
          seed: 11000,
          rung: 1,
          value: 2.0,
          tampered: true,
        });
        await storeRungRun(store, config, RUNGS, { id: 'control-11001', seed: 11001, rung: 1, value: 3.01 });
        await store.createSession({
          id: 'old',
          researcher: 'claude',
          executor: 'local',
          parallel: 1,
          spec: { baseConfig: config, rungTokens: RUNGS },
          state: {
            proposals: [
              { id: 'p1', config, change: { kind: 'code' }, codeHash: 'abc' },
              { id: 'p2', config, change: { kind: 'config', set: {} } },
            ],
            trials: [
              trial('p1', 1000, 'code-1000'),
              trial('p2', 1001, 'code-1001'), // the forged claim
              trial('p2', 1002, 'honest-1002'), // 2.0 in the state, 3.0 in the run's record
              trial('p2', 11000, 'marked-11000'),
              { ...trial('p2', 11001, 'control-11001'), results: { 1: 3.01 } },
            ],
          },
        });
        const carried = await carriedBaseRuns(store, config, RUNGS, { seedBase: 1000, baselineSeeds: 3 });
        if (!carried.some((c) => c.runId === 'control-11001'))
          throw new Error(`control failed: the honest run was not carried: ${JSON.stringify(carried)}`);
        const planted = carried.filter((c) => c.value < 2.5);
        return {
          succeeded: planted.length > 0,
          detail: planted.length
            ? `carried ${planted.map((c) => `${c.runId} (${c.value})`).join(', ')} into the baseline`
            : `carried only ${carried.map((c) => c.runId).join(', ')}: the code runs, the forged value and the tampered run stayed out`,
        };
      } finally {
        await store.close();
        rmSync(home, { recursive: true, force: true });
      }
    },
  },
];
