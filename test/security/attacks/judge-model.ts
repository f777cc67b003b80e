/**
 * Attacks through the model the judge runs: it sees the future (causal mask dropped, or logits that put
 * mass on the next input token at evaluation only), or it answers the judge with malformed output.
 * The causality probe and the judge's framing checks stop each (python/judge/judge.py).
 */
import type { Attack, AttackResult } from '../attack.ts';
import { NO_CAUSAL_MASK } from '../../helpers/judge-edits.ts';
import { judgeAttack } from '../../helpers/judge-attack.ts';
import type { RunRecord } from '../../../src/store/base.ts';

const LOGITS = '        logits = self.lm_head(x)  # (B, T, V)\n';

/** Worked if the run kept a val number; the expected refusal is named in `want`. */
const refused =
  (want: RegExp) =>
  (run: RunRecord): AttackResult => {
    const detail = `run ${run.status}: ${run.statusReason ?? ''}; valBpb ${run.summary.valBpb ?? 'none'}`;
    if (run.summary.valBpb !== undefined) return { succeeded: true, detail };
    if (run.status !== 'failed' || !want.test(run.statusReason ?? ''))
      return { succeeded: true, detail: `not refused for the expected reason (${want}): ${detail}` };
    return { succeeded: false, detail };
  };

export const attacks: Attack[] = [
  judgeAttack(
    'judge-drop-causal-mask',
    'model.py drops the causal mask, so every position sees the token it predicts',
    () => NO_CAUSAL_MASK,
    refused(/^tampered: causality/),
  ),
  judgeAttack(
    'judge-peek-next-input',
    'at evaluation only, the model adds +30 to the logit of the next input token (the target)',
    () => [
      {
        file: 'model.py',
        search: LOGITS,
        replace:
          LOGITS +
          '        if not self.training:\n' +
          '            nxt = torch.roll(idx, -1, dims=1)[..., None]  # the token after each position\n' +
          '            logits = logits.scatter_add(-1, nxt, torch.full_like(logits[..., :1], 30.0))\n',
      },
    ],
    refused(/^tampered: causality/),
  ),
  judgeAttack(
    'judge-huge-reply',
    'at evaluation only, the model returns logits 512x wider than the vocabulary (a huge reply)',
    () => [
      {
        file: 'model.py',
        search: LOGITS,
        replace: LOGITS + '        if not self.training:\n            logits = logits.repeat(1, 1, 512)\n',
      },
    ],
    refused(/^judge: .*malformed reply/),
  ),
];
