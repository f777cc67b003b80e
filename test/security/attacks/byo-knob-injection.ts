/**
 * Attacks on the path from an untrusted researcher to a spec trainer's command line (README "Bring your
 * own trainer"): knob values with shell metacharacters or an extra `--flag=`, knobs the spec does not
 * have, values outside the search space, and keys that are not knobs at all. Each goes through the real
 * path: the CLI (`flywheel run --trainer --set`), the engine's admission of a proposal (admitProposal, as
 * a research session calls it), and the launcher starting the script (no shell ever sees a value).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSpecConfig } from '../../../src/config/spec-config.ts';
import { loadTrainerSpec } from '../../../src/config/trainer-spec.ts';
import { admitProposal } from '../../../src/research/core/proposals.ts';
import { runToCompletion } from '../../../src/runs/launch.ts';
import { openStore } from '../../../src/store/open.ts';
import type { Attack, AttackResult } from '../attack.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const SPEC = join(ROOT, 'test', 'fixtures', 'byo', 'nanogpt_like', 'flywheel.trainer.json');

/** A `flywheel run --trainer` whose --set carries the payload: must exit 2, run nothing, create nothing. */
function cliSet(assignment: string): Promise<AttackResult> {
  const home = mkdtempSync(join(tmpdir(), 'fw-byo-attack-'));
  const marker = join(home, 'pwned');
  try {
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'bin', 'flywheel.js'),
        'run',
        '--trainer',
        SPEC,
        '--set',
        assignment.replace('MARKER', marker),
        '--json',
      ],
      { env: { ...process.env, FLYWHEEL_HOME: home }, encoding: 'utf8', timeout: 120_000 },
    );
    const ran = existsSync(join(home, 'runs'));
    return Promise.resolve({
      succeeded: r.status !== 2 || ran || existsSync(marker),
      detail: `exit ${r.status}; runs dir ${ran ? 'created' : 'absent'}; ${r.stderr.trim().split('\n')[0]}`,
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** A research proposal on the spec trainer's base config: must be refused at admission, before any compute. */
function propose(set: Record<string, unknown>): Promise<AttackResult> {
  const base = resolveSpecConfig({ spec: loadTrainerSpec(SPEC), budget: '1e4tok' });
  const a = admitProposal(
    {
      title: 'attack',
      hypothesis: '',
      change: { kind: 'config', set },
      expectedEffect: -1,
      source: 'claude',
    },
    base,
    { searchSpace: { knobs: [] }, noiseKeys: ['seed'], triedKeys: new Map() },
  );
  return Promise.resolve({
    succeeded: a.ok,
    detail: a.ok ? `admitted: ${JSON.stringify(a.config.knobs)}` : `refused: ${a.reason}`,
  });
}

export const attacks: Attack[] = [
  {
    id: 'byo-set-shell-metacharacters',
    title: 'a --set knob value carrying a shell command (`0.001;touch X`, `$(touch X)`)',
    run: async () => {
      const a = await cliSet('learning_rate=0.001;touch MARKER');
      const b = await cliSet('learning_rate=$(touch MARKER)');
      return { succeeded: a.succeeded || b.succeeded, detail: `${a.detail} | ${b.detail}` };
    },
  },
  {
    id: 'byo-set-extra-flag',
    title: 'a --set knob value smuggling another flag (`0.001 --max_iters=1`)',
    run: () => cliSet('learning_rate=0.001 --max_iters=1'),
  },
  {
    id: 'byo-set-unknown-knob',
    title: 'a --set on a name the spec does not declare, or the same name padded or case-folded',
    run: async () => {
      const rs = [
        await cliSet('eval_only=True'),
        await cliSet('Learning_rate=0.01'),
        await cliSet('learning_rate =0.01'),
      ];
      return { succeeded: rs.some((r) => r.succeeded), detail: rs.map((r) => r.detail).join(' | ') };
    },
  },
  {
    id: 'byo-proposal-value-injection',
    title: 'a research proposal whose knob value is a string with an extra flag',
    run: () => propose({ 'knobs.learning_rate': '0.001 --eval_only=True' }),
  },
  {
    id: 'byo-proposal-unknown-knob',
    title: 'a research proposal on a knob the spec does not have',
    run: () => propose({ 'knobs.eval_only': true }),
  },
  {
    id: 'byo-proposal-out-of-range',
    title: 'a research proposal outside the knob’s search space',
    run: () => propose({ 'knobs.learning_rate': 5 }),
  },
  {
    id: 'byo-proposal-command',
    title: 'a research proposal rewriting the trainer spec (its command) or a key the script never reads',
    run: async () => {
      const rs = [
        await propose({ 'trainer.spec.command': ['bash', '-c', 'id'] }),
        await propose({ 'optim.lr': 0.01 }),
        await propose({ knobs: { learning_rate: 0.002 } }),
      ];
      return { succeeded: rs.some((r) => r.succeeded), detail: rs.map((r) => r.detail).join(' | ') };
    },
  },
  {
    id: 'byo-proposal-seed-pairs',
    title:
      "a research proposal declaring the script's seeds paired (the spec's `seed.pairs`, the user's word)",
    run: async () => {
      const spec = loadTrainerSpec(SPEC);
      const rs = [
        await propose({ 'trainer.spec.seed.pairs': false }),
        await propose({ 'trainer.spec': { ...spec, seed: { flag: '--seed={value}' } } }),
        await propose({ trainer: { spec: { ...spec, seed: { flag: '--seed={value}', pairs: true } } } }),
      ];
      return { succeeded: rs.some((r) => r.succeeded), detail: rs.map((r) => r.detail).join(' | ') };
    },
  },
  {
    id: 'byo-launch-no-shell',
    title: 'a value with shell syntax reaches the script as one argv element and is never run',
    run: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'fw-byo-argv-'));
      const marker = join(dir, 'pwned');
      const prevHome = process.env.FLYWHEEL_HOME;
      process.env.FLYWHEEL_HOME = join(dir, 'home');
      const store = await openStore({ home: join(dir, 'home') });
      try {
        // the user's own spec may hold any choice text; the researcher can only pick one of them
        const payload = `$(touch ${marker}); touch ${marker}`;
        writeFileSync(
          join(dir, 'argv.py'),
          'import json, sys\nprint("step 0: train loss 1.0, val loss 1.0")\nopen("argv.json", "w").write(json.dumps(sys.argv[1:]))\n',
        );
        writeFileSync(
          join(dir, 'flywheel.trainer.json'),
          JSON.stringify({
            name: 'argv',
            command: ['python3', 'argv.py'],
            knobs: {
              mode: {
                type: 'categorical',
                choices: ['a', payload],
                default: payload,
                flag: '--mode={value}',
              },
            },
            metrics: { eval: '^step (?<step>\\d+): train loss [\\d.]+, val loss (?<valLoss>[\\d.]+)' },
            budget: { default: '10s' },
          }),
        );
        const config = resolveSpecConfig({ spec: loadTrainerSpec(join(dir, 'flywheel.trainer.json')) });
        const rec = await runToCompletion({ store, config });
        const argv = JSON.parse(readFileSync(join(dir, 'argv.json'), 'utf8')) as string[];
        const verbatim = argv.length === 1 && argv[0] === `--mode=${payload}`;
        return {
          succeeded: existsSync(marker) || !verbatim,
          detail: `run ${rec.status}; argv ${JSON.stringify(argv)}; marker ${existsSync(marker) ? 'created' : 'absent'}`,
        };
      } finally {
        await store.close();
        if (prevHome === undefined) delete process.env.FLYWHEEL_HOME;
        else process.env.FLYWHEEL_HOME = prevHome;
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
];
