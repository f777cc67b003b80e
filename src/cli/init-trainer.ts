/**
 * `flywheel init-trainer PATH`: write a commented starter trainer spec for a script (README "Bring your
 * own trainer"), guessed from its `--help` (argparse) or its top-level settings, and from a sample of its
 * output (`--sample FILE`) for the metric regexes (src/config/spec-init.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { knobsFromHelp, knobsFromSource, metricsFromOutput, starterSpec } from '../config/spec-init.ts';
import { parseTrainerSpec } from '../config/trainer-spec.ts';
import { FlywheelError } from '../errors.ts';
import { printJson } from './common.ts';

interface InitOptions {
  out?: string;
  sample?: string;
  help: boolean;
  force?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('init-trainer <script>')
    .description("write a starter trainer spec (flywheel.trainer.json) from a script's --help and output")
    .option('--out <file>', 'where to write it (default: flywheel.trainer.json beside the script)')
    .option('--sample <file>', 'a sample of the script’s output, for the metric regexes')
    .option('--no-help', 'do not run the script with --help (read its top-level settings instead)')
    .option('--force', 'overwrite an existing file')
    .option('--json', 'print one JSON object on stdout')
    .action((path: string, o: InitOptions) => {
      const script = resolve(path);
      if (!existsSync(script)) throw new FlywheelError('not_found', `init-trainer: no such script ${path}`);
      const out = resolve(o.out ?? join(dirname(script), 'flywheel.trainer.json'));
      if (existsSync(out) && !o.force)
        throw new FlywheelError('conflict', `init-trainer: ${out} exists (use --force to overwrite)`);
      let from = 'its top-level settings';
      let knobs = {};
      if (o.help) {
        // the user's own script, run as they would run it (trusted by them); a script without argparse fails here
        const r = spawnSync('python3', [script, '--help'], {
          cwd: dirname(script),
          encoding: 'utf8',
          timeout: 30_000,
        });
        if (r.status === 0 && /usage:/i.test(r.stdout)) {
          knobs = knobsFromHelp(r.stdout);
          from = 'its --help';
        }
      }
      if (from !== 'its --help') knobs = knobsFromSource(readFileSync(script, 'utf8'));
      const sample = o.sample ? readFileSync(o.sample, 'utf8') : '';
      const spec = starterSpec({
        name:
          basename(dirname(script))
            .replace(/[^A-Za-z0-9_.-]/g, '-')
            .slice(0, 64) || 'trainer',
        script: basename(script),
        knobs,
        from: `${from}${o.sample ? ` and ${o.sample}` : ''}`,
        metrics: metricsFromOutput(sample),
      });
      parseTrainerSpec(spec, out); // what we write must load as it is
      writeFileSync(out, JSON.stringify(spec, null, 2) + '\n');
      const n = Object.keys(knobs).length;
      if (o.json) printJson({ path: out, knobs: Object.keys(knobs), from });
      else process.stderr.write(`wrote ${out}: ${n} knob(s) from ${from}; check each "//" note\n`);
    });
}
