/** Choosing an executor by name (`--executor`). */
import { FlywheelError } from '../errors.ts';
import type { Executor } from './base.ts';
import { LocalExecutor } from './local.ts';

export const EXECUTOR_NAMES = ['local', 'slurm'];

export async function makeExecutor(name: string, opts: { parallel: number }): Promise<Executor> {
  if (name === 'local') return new LocalExecutor({ parallel: opts.parallel });
  if (name === 'slurm') {
    const { SlurmExecutor } = await import('./slurm.ts');
    return SlurmExecutor.connect({ parallel: opts.parallel });
  }
  throw new FlywheelError('bad_input', `--executor ${name}: use one of ${EXECUTOR_NAMES.join(', ')}`);
}
