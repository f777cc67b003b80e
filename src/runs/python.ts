/**
 * Which Python runs the trainer. `FLYWHEEL_PYTHON` wins; otherwise the first of `python3` on PATH and
 * Debian's `/usr/bin/python3` that has torch installed (pyenv/conda shims often shadow the system one).
 */
import { spawnSync } from 'node:child_process';
import { FlywheelError } from '../errors.ts';

let cached: string | undefined;

function hasTorch(python: string): boolean {
  const r = spawnSync(
    python,
    ['-c', 'import importlib.util,sys; sys.exit(0 if importlib.util.find_spec("torch") else 3)'],
    {
      stdio: 'ignore',
      timeout: 20_000,
    },
  );
  return r.status === 0;
}

export function findPython(): string {
  if (cached) return cached;
  const explicit = process.env.FLYWHEEL_PYTHON;
  if (explicit) {
    if (!hasTorch(explicit)) {
      throw new FlywheelError('missing_dependency', `FLYWHEEL_PYTHON=${explicit} cannot import torch`);
    }
    return (cached = explicit);
  }
  for (const candidate of ['python3', '/usr/bin/python3', 'python']) {
    if (hasTorch(candidate)) return (cached = candidate);
  }
  throw new FlywheelError(
    'missing_dependency',
    'no Python with torch found: install it (Debian: apt-get install -y python3-torch libopenblas0-pthread) or set FLYWHEEL_PYTHON',
  );
}
