/**
 * The launcher's part for a spec trainer (README "Bring your own trainer"): its command, working
 * directory and env (spec-command.ts), and the adapter that turns its prints into events and ends it at
 * a budget it cannot be told (spec-adapter.ts).
 */
import { join } from 'node:path';
import { findPython } from './python.ts';
import type { TrainConfig } from '../config/train-config.ts';
import type { TrainerProcess } from './process.ts';
import { SpecAdapter } from './spec-adapter.ts';
import { specLaunch, type SpecLaunch } from './spec-command.ts';

export interface SpecRun extends SpecLaunch {
  adapter: SpecAdapter;
}

/** `{python}` in a spec: a Python with torch when there is one, else python3 (a script may not need torch). */
function python(): string {
  try {
    return findPython();
  } catch {
    return 'python3';
  }
}

export function prepareSpecRun(config: TrainConfig, runDir: string): SpecRun {
  const launch = specLaunch(config, runDir, python);
  const adapter = new SpecAdapter(config.trainer.spec!, launch, join(runDir, 'events.jsonl'));
  return { ...launch, adapter };
}

/** Feed the adapter the trainer's stdout; stop the process at an enforced budget; end a clean exit. */
export function attachSpecAdapter(adapter: SpecAdapter, proc: TrainerProcess, graceMs: number): void {
  proc.onStdoutLine = (l) => adapter.onLine(l);
  adapter.onBudget = () => void proc.terminate(graceMs);
  // registered before supervision's own handler, so the end event is in the file for its last read
  void proc.exited.then((x) => {
    if (x.code === 0) adapter.finish('trainer exited 0', true);
    adapter.close();
  });
}
