/**
 * Agent code exhausting the machine from inside the sandbox: a fork bomb (bounded here, so a failing
 * defence cannot take the test machine down: 3000 processes), forked children that each stay under the
 * per-process memory limit but exceed it together, and a stdout flood past the log cap that Node writes.
 * Each through the production launch path of a code experiment (sandbox-planted.ts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Attack } from '../attack.ts';
import { noSandbox, openLab, runPlanted } from './sandbox-planted.ts';

/** Processes still alive whose command line names this run's folder. */
function survivors(runDir: string): number {
  let n = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(runDir)) n++;
    } catch {
      /* gone */
    }
  }
  return n;
}

const forkBomb: Attack = {
  id: 'sandbox-fork-bomb',
  title: 'agent code forks until the machine runs out of processes',
  skip: noSandbox,
  async run() {
    const lab = await openLab({ FLYWHEEL_SANDBOX_PROCS: '64' });
    try {
      const script = `
import os, time
for i in range(3000):
    try:
        if os.fork() == 0:
            time.sleep(120)
            os._exit(0)
    except OSError:
        break
time.sleep(120)
`;
      const run = await runPlanted(lab, script);
      const left = survivors(run.runDir);
      return {
        succeeded: !/process limit reached/.test(run.statusReason ?? '') || left > 0,
        detail: `run ${run.status}: ${run.statusReason}; processes left: ${left}`,
      };
    } finally {
      await lab.close();
    }
  },
};

const forkedMemory: Attack = {
  id: 'sandbox-forked-memory',
  title: 'forked children each under the memory limit exceed it together',
  skip: noSandbox,
  async run() {
    const lab = await openLab({ FLYWHEEL_SANDBOX_MEMORY: '400m' });
    try {
      // 6 x 150 MiB, each written (so resident), each child well under the 400 MiB per-process limit
      const script = `
import os, time
for i in range(6):
    if os.fork() == 0:
        b = bytearray(b"\\x01") * (150 << 20)
        time.sleep(120)
        os._exit(0)
time.sleep(120)
`;
      const run = await runPlanted(lab, script);
      const left = survivors(run.runDir);
      return {
        succeeded: !/memory limit reached/.test(run.statusReason ?? '') || left > 0,
        detail: `run ${run.status}: ${run.statusReason}; processes left: ${left}`,
      };
    } finally {
      await lab.close();
    }
  },
};

const CAP = 1 << 20;

const stdoutFlood: Attack = {
  id: 'sandbox-stdout-flood',
  title: 'agent code floods stdout (64 MiB) past the log cap the orchestrator writes',
  skip: noSandbox,
  async run() {
    const lab = await openLab({ FLYWHEEL_LOG_BYTES: String(CAP) });
    try {
      const script = `
import sys
chunk = ("x" * 1023 + "\\n") * 1024
for i in range(64):
    sys.stdout.write(chunk)
sys.stdout.flush()
`;
      const run = await runPlanted(lab, script);
      const size = statSync(join(run.runDir, 'stdout.log')).size;
      return {
        succeeded: size > CAP + 512,
        detail: `stdout.log is ${size} bytes (cap ${CAP}); run ${run.status}: ${run.statusReason}`,
      };
    } finally {
      await lab.close();
    }
  },
};

export const attacks: Attack[] = [forkBomb, forkedMemory, stdoutFlood];
