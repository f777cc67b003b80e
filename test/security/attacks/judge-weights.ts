/**
 * Attacks on the judge through the file it reads: final-weights.pt replaced by a malicious pickle (its
 * __reduce__ runs a shell command when unpickled) or by a symbolic link to a file outside the run. The
 * judge copies the file without following links and loads it with torch.load(weights_only=True).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Attack } from '../attack.ts';
import { FINISH, judgeAttack } from '../../helpers/judge-attack.ts';

export const attacks: Attack[] = [
  judgeAttack(
    'judge-malicious-pickle',
    'train.py overwrites final-weights.pt with a pickle whose __reduce__ runs a command',
    (lab) => [
      {
        file: 'train.py',
        search: FINISH,
        replace:
          FINISH +
          [
            '    class Payload:',
            '        def __reduce__(self):',
            `            return (os.system, (${JSON.stringify(`touch ${join(lab.root, 'pwned')}`)},))`,
            '    torch.save({"wte.weight": Payload()}, os.path.join(run.run_dir, "final-weights.pt"))',
            '',
          ].join('\n'),
      },
    ],
    (run, lab) => {
      const detail = `run ${run.status}: ${run.statusReason ?? ''}; valBpb ${run.summary.valBpb ?? 'none'}`;
      if (existsSync(join(lab.root, 'pwned')))
        return { succeeded: true, detail: `the payload ran: ${detail}` };
      const refused =
        run.status === 'failed' && /^tampered: final-weights.pt is not/.test(run.statusReason ?? '');
      return { succeeded: !refused || run.summary.valBpb !== undefined, detail };
    },
  ),
  judgeAttack(
    'judge-weights-symlink',
    'train.py replaces final-weights.pt with a symbolic link to a file outside its run',
    () => [
      {
        file: 'train.py',
        search: FINISH,
        replace:
          FINISH +
          '    p = os.path.join(run.run_dir, "final-weights.pt")\n    os.remove(p)\n    os.symlink("/etc/passwd", p)\n',
      },
    ],
    (run) => {
      const detail = `run ${run.status}: ${run.statusReason ?? ''}; valBpb ${run.summary.valBpb ?? 'none'}`;
      const refused = run.status === 'failed' && /symbolic link/.test(run.statusReason ?? '');
      return { succeeded: !refused || run.summary.valBpb !== undefined, detail };
    },
  ),
];
