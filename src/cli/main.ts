/**
 * The `flywheel` command. One file per command in this folder, each exporting `register(program)`.
 * Errors: every command lets FlywheelError propagate; this file prints one line and exits non-zero.
 */
import { Command, CommanderError } from 'commander';
import { errorLine, isFlywheelError } from '../errors.ts';
import { register as registerAnalyze } from './analyze.ts';
import { register as registerInitTrainer } from './init-trainer.ts';
import { register as registerPrepare } from './prepare.ts';
import { register as registerReport } from './report.ts';
import { register as registerResearch } from './research.ts';
import { register as registerRun } from './run.ts';
import { register as registerRuns } from './runs.ts';
import { register as registerServe } from './serve.ts';
import { register as registerShow } from './show.ts';

export function buildProgram(): Command {
  const program = new Command('flywheel')
    .description('A research lab for LLM pre-training')
    .showHelpAfterError(false)
    .exitOverride();
  registerPrepare(program);
  registerRun(program);
  registerRuns(program);
  registerShow(program);
  registerResearch(program);
  registerServe(program);
  registerAnalyze(program);
  registerReport(program);
  registerInitTrainer(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // `flywheel runs | head`: a closed pipe is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed its message; --help and --version exit 0, usage errors are bad input (2)
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    const code = isFlywheelError(e) ? e.code : 'internal';
    process.stderr.write(`flywheel: ${errorLine(e)}\n`);
    if (process.env.FLYWHEEL_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    process.exitCode = code === 'internal' ? 70 : 2;
  }
}
