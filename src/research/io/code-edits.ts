/**
 * Agent code edits of the reference trainer, as pure file operations: which files may change, exact
 * search/replace (each search string must occur exactly once, edits apply in order), the patched copy
 * of the trainer folder, its unified diff against the original, and a syntax check.
 *
 * harness.py defines the metric, the data, the budget and the event stream: it is never editable.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { CodeEdit } from '../../researchers/base.ts';
import { findPython } from '../../runs/python.ts';

export const EDITABLE_FILES = ['train.py', 'model.py'] as const;

/** 'trainers/gpt/train.py' and './train.py' mean train.py; anything else is returned unchanged. */
export function normalizeFile(file: string): string {
  return file.replace(/^\.\//, '').replace(/^trainers\/gpt\//, '');
}

export type EditResult = { ok: true; files: Map<string, string> } | { ok: false; reason: string };

function countOccurrences(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** Apply the edits to the files of `trainerDir` in memory. Returns the full new content of every edited file. */
export function applyEdits(trainerDir: string, edits: CodeEdit[]): EditResult {
  if (!Array.isArray(edits) || edits.length === 0)
    return { ok: false, reason: 'a code change needs at least one edit' };
  const files = new Map<string, string>();
  for (const [i, e] of edits.entries()) {
    const file = normalizeFile(String(e?.file ?? ''));
    const where = `edit ${i + 1} (${file || '?'})`;
    if (basename(file) === 'harness.py') {
      return {
        ok: false,
        reason: `${where}: harness.py is fixed (it defines the metric, data, budget and events) and cannot be edited; change train.py or model.py`,
      };
    }
    if (!(EDITABLE_FILES as readonly string[]).includes(file))
      return { ok: false, reason: `${where}: only ${EDITABLE_FILES.join(' and ')} may be edited` };
    if (typeof e.search !== 'string' || e.search.length === 0)
      return { ok: false, reason: `${where}: search must be a non-empty string` };
    if (typeof e.replace !== 'string') return { ok: false, reason: `${where}: replace must be a string` };
    const text = files.get(file) ?? readFileSync(join(trainerDir, file), 'utf8');
    const n = countOccurrences(text, e.search);
    if (n !== 1) {
      const head = JSON.stringify(e.search.slice(0, 80));
      return {
        ok: false,
        reason: `${where}: the search text ${head} occurs ${n} times in ${file}${n === 0 ? ' (it must match the current file exactly, whitespace included)' : '; make it longer so it is unique'}`,
      };
    }
    files.set(
      file,
      text.replace(e.search, () => e.replace),
    );
  }
  return { ok: true, files };
}

const SKIP = /(^|\/)(__pycache__|\.git|\.pytest_cache)(\/|$)|\.pyc$/;

/** A fresh copy of the trainer folder at `dest` with the edited files written over it. */
export function writePatchedTrainer(trainerDir: string, dest: string, files: Map<string, string>): void {
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  cpSync(trainerDir, dest, { recursive: true, filter: (src) => !SKIP.test(src.slice(trainerDir.length)) });
  for (const [f, text] of files) writeFileSync(join(dest, f), text);
}

/** Unified diff of the edited files (a/<file> -> b/<file>), as `git apply` reads it. */
export function unifiedDiff(trainerDir: string, patchedDir: string, files: Iterable<string>): string {
  let out = '';
  for (const f of [...files].sort()) {
    const r = spawnSync(
      'diff',
      ['-u', '--label', `a/${f}`, '--label', `b/${f}`, join(trainerDir, f), join(patchedDir, f)],
      { encoding: 'utf8' },
    );
    if (r.status === 1) out += r.stdout;
    else if (r.status !== 0) throw new Error(`diff failed: ${r.stderr || r.error?.message}`);
  }
  return out;
}

/** Compile (not run) every editable file; undefined when fine, else Python's error text. Writes no .pyc. */
export function compileCheck(dir: string): string | undefined {
  const files = EDITABLE_FILES.map((f) => join(dir, f)).filter((p) => existsSync(p));
  const code = 'import sys\nfor f in sys.argv[1:]:\n    compile(open(f, encoding="utf-8").read(), f, "exec")';
  const r = spawnSync(findPython(), ['-c', code, ...files], { encoding: 'utf8', timeout: 60_000 });
  if (r.status === 0) return undefined;
  const err = (r.stderr || r.error?.message || `exit ${r.status}`).trim();
  return err.split('\n').slice(-12).join('\n');
}
