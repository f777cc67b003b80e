/**
 * What the sandbox must show of this machine for a Python trainer to run, and nothing more (SECURITY.md):
 * the system's programs and libraries (/usr and the /bin, /lib* links to it), a few files of /etc the
 * dynamic loader and Python read, and the interpreter's own prefixes and package folders, found by
 * asking the interpreter (`sys.prefix`, `sys.base_prefix`, `site.getsitepackages()`, the user site), so
 * a pyenv, venv or conda Python works without binding the home folder it lives in.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, resolve, sep } from 'node:path';

/** System folders bound read-only as they are (a symlink such as /bin -> usr/bin is recreated as one). */
export const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** Files and folders of /etc the loader, libc and Python read; the rest of /etc (shadow, ssh, ...) stays out. */
export const ETC_FILES = [
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/alternatives', // Debian's BLAS/LAPACK are reached through these links
  '/etc/localtime',
  '/etc/nsswitch.conf',
  '/etc/passwd',
  '/etc/group',
  '/etc/python3',
];

export interface PythonRuntime {
  executable: string; // absolute, symlinks resolved
  paths: string[]; // folders to bind read-only (outside SYSTEM_DIRS)
  userSite?: string; // the user site-packages folder, when it exists and is enabled
}

const PROBE = `
import json, os, site, sys
def usersite():
    try:
        return site.getusersitepackages() if site.ENABLE_USER_SITE else None
    except Exception:
        return None
print(json.dumps({
    "executable": os.path.realpath(sys.executable),
    "prefixes": [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix],
    "site": list(getattr(site, "getsitepackages", lambda: [])()),
    "path": [p for p in sys.path if p],
    "usersite": usersite(),
}))
`;

const cache = new Map<string, PythonRuntime | undefined>();

const under = (p: string, dir: string) => p === dir || p.startsWith(dir.endsWith(sep) ? dir : dir + sep);

/** Folders that must never be bound whole: the home folder, the filesystem root, and anything above the given ones. */
function tooBroad(p: string, protect: string[]): boolean {
  return p === '/' || protect.some((d) => under(d, p));
}

/** Asks `python` where it lives; undefined when it does not run (the trainer's own error will say why). */
export function pythonRuntime(python: string, protect: string[] = []): PythonRuntime | undefined {
  const key = `${python}\0${protect.join('\0')}`;
  if (cache.has(key)) return cache.get(key);
  const r = spawnSync(python, ['-c', PROBE], { encoding: 'utf8', timeout: 20_000 });
  let out: PythonRuntime | undefined;
  if (r.status === 0) {
    const info = JSON.parse(r.stdout) as {
      executable: string;
      prefixes: string[];
      site: string[];
      path: string[];
      usersite: string | null;
    };
    const guard = [homedir(), ...protect];
    const candidates = [resolve(info.executable, '..', '..'), ...info.prefixes, ...info.site, ...info.path];
    const paths = minimalCover(
      candidates
        .filter((p) => isAbsolute(p) && existsSync(p))
        .map((p) => realpathSync(p))
        .filter((p) => !SYSTEM_DIRS.some((d) => under(p, d)) && !tooBroad(p, guard)),
    );
    const userSite =
      info.usersite && existsSync(info.usersite) && !tooBroad(info.usersite, guard)
        ? info.usersite
        : undefined;
    out = { executable: info.executable, paths, userSite };
  }
  cache.set(key, out);
  return out;
}

/** The folders of `paths` that are not inside another one of them. */
export function minimalCover(paths: string[]): string[] {
  const sorted = [...new Set(paths)].sort((a, b) => a.length - b.length);
  const out: string[] = [];
  for (const p of sorted) if (!out.some((d) => under(p, d))) out.push(p);
  return out;
}

/** bwrap arguments binding the system folders read-only (recreating symlinks as symlinks). */
export function systemBinds(): string[] {
  const args: string[] = [];
  for (const d of [...SYSTEM_DIRS, ...ETC_FILES]) {
    let st;
    try {
      st = lstatSync(d);
    } catch {
      continue;
    }
    if (st.isSymbolicLink() && SYSTEM_DIRS.includes(d)) args.push('--symlink', readlinkSync(d), d);
    else args.push('--ro-bind', d, d);
  }
  // Debian links /usr/lib/python3.X/sitecustomize.py to /etc/python3.X/
  for (const name of readdirSync('/etc').filter((n) => /^python3\.\d+$/.test(n)))
    args.push('--ro-bind', `/etc/${name}`, `/etc/${name}`);
  return args;
}
