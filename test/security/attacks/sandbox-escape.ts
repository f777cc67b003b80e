/**
 * Agent code reaching outside its run folder from inside the sandbox: reading the orchestrator's home,
 * the store (flywheel.db) and another run's folder, and connecting to a host Unix socket that is not
 * under /tmp or /run (where the old sandbox's empty tmpfs hid them). Each through the production launch
 * path of a code experiment (sandbox-planted.ts).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Attack } from '../attack.ts';
import { noSandbox, openLab, runPlanted } from './sandbox-planted.ts';

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

/**
 * A script that tries each path and writes what it got to loot.json in its run folder. A folder counts
 * by the files it lists: bubblewrap makes empty folders to mount things on (the repository's python/
 * under a home folder, say), and those hold nothing.
 */
const reader = (paths: string[]) => `
import json, os
loot = {}
for p in ${JSON.stringify(paths)}:
    try:
        if os.path.isdir(p):
            loot[p] = [n for n in os.listdir(p) if os.path.isfile(os.path.join(p, n))]
        else:
            loot[p] = open(p, "rb").read(200).decode("latin-1")
    except Exception as e:
        loot[p] = "ERR " + type(e).__name__
with open(os.path.join(os.environ["FLYWHEEL_RUN_DIR"], "loot.json"), "w") as f:
    json.dump(loot, f)
raise SystemExit(3)
`;

const readHost: Attack = {
  id: 'sandbox-read-host',
  title: "agent code reads the orchestrator's home, the store and another run's folder",
  skip: noSandbox,
  async run() {
    const realHome = homedir(); // the orchestrator's own, besides a planted one
    const fakeHome = mkdtempSync(join(tmpdir(), 'fw-attack-home-'));
    mkdirSync(join(fakeHome, '.ssh'));
    writeFileSync(join(fakeHome, '.ssh', 'id_ed25519'), 'PRIVATE-KEY-MATERIAL\n');
    const lab = await openLab({ HOME: fakeHome });
    try {
      const other = join(lab.home, 'runs', 'r-other');
      mkdirSync(other, { recursive: true });
      writeFileSync(join(other, 'config.json'), '{"secret":"another run"}\n');
      const db = join(lab.home, 'flywheel.db');
      const before = [sha(join(other, 'config.json'))];
      const targets = [
        fakeHome,
        join(fakeHome, '.ssh', 'id_ed25519'),
        db,
        lab.home,
        other,
        join(other, 'config.json'),
        realHome,
        '/etc/shadow',
        '/etc/hostname',
        '/var/log',
      ];
      const run = await runPlanted(lab, reader(targets));
      const loot = JSON.parse(readFileSync(join(run.runDir, 'loot.json'), 'utf8')) as Record<string, unknown>;
      const got = Object.entries(loot).filter(
        ([, v]) => (typeof v === 'string' && !v.startsWith('ERR ')) || (Array.isArray(v) && v.length > 0),
      );
      const intact = sha(join(other, 'config.json')) === before[0];
      return {
        succeeded: got.length > 0 || !intact || run.status === 'completed',
        detail: got.length
          ? `read from inside: ${JSON.stringify(got)}`
          : `every read failed (${Object.values(loot).join(', ')}); run ${run.status}; other run intact: ${intact}`,
      };
    } finally {
      await lab.close();
      rmSync(fakeHome, { recursive: true, force: true });
    }
  },
};

const hostSocket: Attack = {
  id: 'sandbox-host-socket',
  title: 'agent code connects to host Unix sockets under $HOME and FLYWHEEL_HOME',
  skip: noSandbox,
  async run() {
    const fakeHome = mkdtempSync(join(tmpdir(), 'fw-attack-home-'));
    const lab = await openLab({ HOME: fakeHome });
    const socks = [join(fakeHome, 'agent.sock'), join(lab.home, 'control.sock')];
    let connections = 0;
    const servers = await Promise.all(
      socks.map(
        (s) =>
          new Promise<ReturnType<typeof createServer>>((resolve) => {
            const srv = createServer((c) => {
              connections++;
              c.destroy();
            });
            srv.listen(s, () => resolve(srv));
          }),
      ),
    );
    try {
      const script = `
import json, os, socket
out = {}
for p in ${JSON.stringify(socks)}:
    try:
        s = socket.socket(socket.AF_UNIX); s.connect(p); out[p] = "connected"
    except Exception as e:
        out[p] = "ERR " + type(e).__name__
open(os.path.join(os.environ["FLYWHEEL_RUN_DIR"], "loot.json"), "w").write(json.dumps(out))
raise SystemExit(3)
`;
      const run = await runPlanted(lab, script);
      const out = JSON.parse(readFileSync(join(run.runDir, 'loot.json'), 'utf8')) as Record<string, string>;
      return {
        succeeded: connections > 0 || Object.values(out).some((v) => v === 'connected'),
        detail: `connections accepted: ${connections}; from inside: ${JSON.stringify(out)}`,
      };
    } finally {
      for (const s of servers) s.close();
      await lab.close();
      rmSync(fakeHome, { recursive: true, force: true });
    }
  },
};

export const attacks: Attack[] = [readHost, hostSocket];
