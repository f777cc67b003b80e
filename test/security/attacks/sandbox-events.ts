/**
 * Agent code attacking the orchestrator through events.jsonl, the one file it must write: a line far
 * over the line limit without a newline (once buffered whole: a 700 MB line took the orchestrator to
 * 3.8 GB and a crash; 96 MiB here, and the orchestrator's memory is what is asserted), a million
 * malformed lines (once a million stored rows), and a trainer that writes only blank lines (once never
 * counted as hung). Each through the production launch path of a code experiment (sandbox-planted.ts).
 */
import type { Attack } from '../attack.ts';
import { MAX_MALFORMED_ROWS } from '../../../src/runs/recorder.ts';
import { launchPlanted, noSandbox, openLab } from './sandbox-planted.ts';

const EVENTS = 'os.path.join(os.environ["FLYWHEEL_RUN_DIR"], "events.jsonl")';
const MiB = 2 ** 20;

const longLine: Attack = {
  id: 'sandbox-event-long-line',
  title: 'agent code writes a 96 MiB events.jsonl line without a newline',
  skip: noSandbox,
  async run() {
    const lab = await openLab();
    try {
      const script = `
import os, time
with open(${EVENTS}, "a") as f:
    block = '{"kind":"train","loss":' + "9" * (${MiB} - 23)
    for i in range(96):
        f.write(block)
        f.flush()
time.sleep(1)
raise SystemExit(3)
`;
      global.gc?.();
      const base = process.memoryUsage().rss;
      let peak = base;
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const ctl = await launchPlanted(lab, script, { pollMs: 50 });
      const run = await ctl.done.finally(() => clearInterval(timer));
      const growth = (peak - base) / MiB;
      const malformed = await lab.store.listEvents(run.id, { kinds: ['malformed'] });
      return {
        succeeded: growth > 48 || !malformed.some((e) => /longer than/.test(JSON.stringify(e.payload))),
        detail: `orchestrator RSS grew ${growth.toFixed(1)} MiB while reading it; run ${run.status}: ${run.statusReason}; malformed rows: ${malformed.length}`,
      };
    } finally {
      await lab.close();
    }
  },
};

const malformedFlood: Attack = {
  id: 'sandbox-event-malformed-flood',
  title: 'agent code writes a million malformed event lines',
  skip: noSandbox,
  async run() {
    const lab = await openLab();
    try {
      const script = `
import os, time
with open(${EVENTS}, "a") as f:
    f.write("not an event\\n" * 1000000)
time.sleep(60)
`;
      const run = await (await launchPlanted(lab, script)).done;
      const rows = await lab.store.listEvents(run.id);
      const malformed = rows.filter((e) => e.kind === 'malformed').length;
      return {
        succeeded:
          !/^malformed events/.test(run.statusReason ?? '') ||
          malformed > MAX_MALFORMED_ROWS ||
          rows.length > 200,
        detail: `run ${run.status}: ${run.statusReason}; ${rows.length} event rows stored (${malformed} malformed)`,
      };
    } finally {
      await lab.close();
    }
  },
};

const blankLines: Attack = {
  id: 'sandbox-event-blank-heartbeat',
  title: 'a trainer that writes only blank lines keeps itself from being called hung',
  skip: noSandbox,
  async run() {
    const lab = await openLab();
    try {
      const script = `
import os, sys, time
with open(${EVENTS}, "a") as f:
    while True:
        f.write("\\n   \\n")
        f.flush()
        sys.stdout.write("\\n")
        sys.stdout.flush()
        time.sleep(0.05)
`;
      const run = await (await launchPlanted(lab, script, { heartbeatSeconds: 2 })).done;
      return {
        succeeded: run.status !== 'lost' || !/hung/.test(run.statusReason ?? ''),
        detail: `run ${run.status}: ${run.statusReason}`,
      };
    } finally {
      await lab.close();
    }
  },
};

export const attacks: Attack[] = [longLine, malformedFlood, blankLines];
