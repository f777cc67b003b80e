/**
 * What of a spec trainer's folder a run snapshots (README "Bring your own trainer"): every file under
 * `snapshot.dir` except the spec's `exclude` globs (data, checkpoints) and caches, in path order, until
 * `snapshot.maxBytes`; files that would pass the cap are left out and listed, so a script folder with a
 * dataset in it never fills the disk one run at a time.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { specPath, type TrainerSpec } from '../config/trainer-spec.ts';

const SKIP = new Set(['__pycache__', '.git', 'node_modules', '.pytest_cache', '.venv', 'venv']);

/** `*` within a path segment, `**` across segments, `?` one character; a pattern without `/` matches a base name anywhere. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(glob.includes('/') ? `^${re}$` : `(^|/)${re}$`);
}

export interface SnapshotPlan {
  from: string;
  files: string[];
  skipped: string[]; // over the size cap
}

export function snapshotPlan(spec: TrainerSpec): SnapshotPlan {
  const from = specPath(spec, spec.snapshot.dir);
  const exclude = spec.snapshot.exclude.map(globToRegExp);
  const files: string[] = [];
  const skipped: string[] = [];
  let bytes = 0;
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (SKIP.has(name) || name.endsWith('.pyc')) continue;
      const p = join(dir, name);
      const rel = relative(from, p);
      if (exclude.some((re) => re.test(rel))) continue;
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (!st.isFile()) continue;
      else if (bytes + st.size > spec.snapshot.maxBytes) skipped.push(rel);
      else {
        bytes += st.size;
        files.push(rel);
      }
    }
  };
  walk(from);
  return { from, files, skipped };
}
