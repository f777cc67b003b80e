/**
 * Test-only trainer patches that plant a fault the config cannot express. Each is applied by the corpus
 * generator to a copy of trainers/gpt in a temp folder (never to the real trainer): every `find` must occur
 * exactly once in its file, so a trainer change that moves the anchor fails generation loudly instead of
 * silently planting nothing.
 */
export interface TrainerPatch {
  why: string;
  edits: { file: 'train.py' | 'model.py'; find: string; replace: string }[];
}

const TRAIN_LOOP_BATCH = '        x, y = run.next_batch(B)  # (B, T) each\n';
const FORWARD = '                _, loss = fwd(xm, ym)\n';
const SET_LR = '        mult = lr_multiplier(S, run.tokens, step_tokens, progress)\n';

export const PATCHES = {
  'nan-init': {
    why: 'a bad init: weights drawn with std 0.02 x 1e19, so the first forward overflows to inf - inf = NaN',
    edits: [
      {
        file: 'model.py',
        find: '                nn.init.normal_(module.weight, mean=0.0, std=std)\n',
        replace: '                nn.init.normal_(module.weight, mean=0.0, std=std * 1e19)\n',
      },
    ],
  },
  'decay-to-zero-early': {
    why: 'an LR schedule bug: the decay runs 5x too fast, so the LR reaches 0 at 20 % of the budget and stays there',
    edits: [
      {
        file: 'train.py',
        find: SET_LR,
        replace:
          '        mult = lr_multiplier(dict(S, minLrFrac=0.0), run.tokens, step_tokens, min(1.0, 5 * progress))\n',
      },
    ],
  },
  'repeat-slice': {
    why: 'a data-loader bug: the loader cycles through its first 4 batches forever, so train loss falls (memorised) while val loss rises',
    edits: [
      {
        file: 'train.py',
        find: TRAIN_LOOP_BATCH,
        replace:
          '        if len(_seen) < 4:\n            _seen.append(run.next_batch(B))\n' +
          '        x, y = _seen[run.step % len(_seen)]  # (B, T) each\n',
      },
      {
        file: 'train.py',
        find: '    while run.should_continue():\n',
        replace: '    _seen = []\n    while run.should_continue():\n',
      },
    ],
  },
  'frozen-mlp': {
    why: 'a frozen layer: every MLP matrix has requires_grad=False (e.g. a leftover freeze from fine-tuning code)',
    edits: [
      {
        file: 'train.py',
        find: '    opts = build_optimizers(model, O, run.device)\n',
        replace:
          '    for _n, _p in model.named_parameters():\n        if ".mlp." in _n:\n            _p.requires_grad_(False)\n' +
          '    opts = build_optimizers(model, O, run.device)\n',
      },
    ],
  },
  'target-shift': {
    why: 'a label bug: targets are the inputs themselves (shifted by one token too few), so the model learns to copy; train loss collapses, val explodes',
    edits: [{ file: 'train.py', find: FORWARD, replace: '                _, loss = fwd(xm, xm)\n' }],
  },
  'spike-recovers': {
    why: 'healthy but scary: the LR jumps 4x for 3 steps at 30 % of the budget (a bad batch / instability), the loss spikes and then recovers',
    edits: [
      {
        file: 'train.py',
        find: SET_LR,
        replace:
          SET_LR +
          '        mult = mult * (4.0 if 0.3 <= progress < 0.3 + 3 * step_tokens / run.budget_tokens else 1.0)\n',
      },
    ],
  },
} satisfies Record<string, TrainerPatch>;

export type PatchName = keyof typeof PATCHES;
