/**
 * Agent-patched trainer code reports its own tokens and FLOPs (the recorder copies them into the run's
 * summary). A patch that under-reports them would make an idea with no real gain look "worth 4× compute".
 * Driven through the CLI over a real SQLite store: a session baseline at 4 budgets and a candidate whose
 * summary claims a quarter of the FLOPs (and tokens) it spent, at exactly the baseline's loss.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configHash, resolveConfig } from '../../../src/config/resolve.ts';
import { flopsPerToken } from '../../../src/runs/flops.ts';
import { openStore } from '../../../src/store/open.ts';
import type { Attack } from '../attack.ts';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'flywheel.js');
const loss = (flops: number) => 1.9 + 3e3 * flops ** -0.3;

export const attacks: Attack[] = [
  {
    id: 'analysis-forged-flops',
    title: 'a patched trainer under-reports its FLOPs and tokens to inflate its compute multiplier',
    timeoutMs: 120_000,
    run: async () => {
      const home = mkdtempSync(join(tmpdir(), 'fw-attack-flops-'));
      try {
        const store = await openStore({ home });
        await store.createSession({
          id: 's1',
          researcher: 'claude',
          executor: 'local',
          parallel: 1,
          spec: {},
        });
        let n = 0;
        const add = async (sets: string[], tokens: number, proposal: string, forge: number) => {
          const config = resolveConfig({
            preset: 'tiny',
            sets: ['data.vocabSize=2048', ...sets],
            budget: `${tokens}tok`,
            seed: n,
          });
          const flops = flopsPerToken(config.model, 2048) * tokens;
          const id = `r${n++}`;
          await store.createRun({
            id,
            config,
            configHash: configHash(config, proposal === 'p1' ? 'patch' : ''),
            seed: config.seed,
            runDir: home,
            status: 'running',
            sessionId: 's1',
            tags: { proposal },
          });
          // what the recorder stores from the (patched) trainer's own events: claimed tokens and FLOPs
          await store.finishRun(id, 'completed', 'budget reached', {
            valBpb: loss(flops),
            tokens: tokens * forge,
            flops: flops * forge,
            params: 1e5,
          });
        };
        for (const tokens of [50_000, 100_000, 200_000, 400_000])
          for (let s = 0; s < 2; s++) await add([], tokens, 'baseline', 1);
        for (let s = 0; s < 3; s++) await add(['model.qkNorm=true'], 200_000, 'p1', 0.25);
        await store.close();
        const r = spawnSync(
          process.execPath,
          [BIN, 'analyze', 'multiplier', '--candidate', 'p1', '--session', 's1', '--json'],
          {
            env: { ...process.env, FLYWHEEL_HOME: home },
            encoding: 'utf8',
            timeout: 100_000,
          },
        );
        if (r.status !== 0) return { succeeded: false, detail: `analyze refused: ${r.stderr.trim()}` };
        const out = JSON.parse(r.stdout) as { value: number; text: string; candidate: { flops: number } };
        return {
          succeeded: out.value > 1.2,
          detail: `candidate charged ${out.candidate.flops.toExponential(3)} FLOPs; ${out.text} (true value 1.0×)`,
        };
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    },
  },
];
