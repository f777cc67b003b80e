/**
 * `flywheel report SESSION_ID [--out DIR] [--json]`: the session's write-up (README "Session reports"):
 * report.html (self-contained), report.md and the SVG charts it links, in `--out` (default
 * `<FLYWHEEL_HOME>/reports/<session>/`). Prints the paths; `--json` prints one object with the paths
 * and the charts drawn or left out.
 */
import type { Command } from 'commander';
import { flywheelHome } from '../home.ts';
import { gatherReport } from '../report/gather.ts';
import { renderReport } from '../report/render.ts';
import { defaultReportDir, writeReport } from '../report/write.ts';
import { openCliStore, printJson } from './common.ts';

export function register(program: Command): void {
  program
    .command('report')
    .description('write a session report: self-contained HTML, Markdown and SVG charts')
    .argument('<session>', 'research session id')
    .option('--out <dir>', 'output folder (default <FLYWHEEL_HOME>/reports/<session>/)')
    .option('--json', 'print one JSON object on stdout')
    .action(async (sessionId: string, o: { out?: string; json?: boolean }) => {
      const dir = o.out ?? defaultReportDir(flywheelHome(), sessionId);
      const store = await openCliStore({ reconcile: false });
      let input;
      try {
        input = await gatherReport(store, sessionId);
      } finally {
        await store.close();
      }
      const rendered = renderReport(input);
      const files = writeReport(dir, rendered);
      if (o.json)
        printJson({
          sessionId,
          dir: files.dir,
          html: files.html,
          markdown: files.markdown,
          svgs: files.svgs,
          plots: rendered.plots.map(({ id, title, file }) => ({ id, title, file })),
          omitted: rendered.omitted,
        });
      else {
        process.stdout.write(`${files.html}\n${files.markdown}\n`);
        for (const s of files.svgs) process.stdout.write(`${s}\n`);
        for (const om of rendered.omitted) process.stderr.write(`left out: ${om.title}: ${om.reason}\n`);
      }
    });
}
