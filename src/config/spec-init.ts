/**
 * A starter trainer spec (`flywheel init-trainer`, README "Bring your own trainer"), guessed from what a
 * script shows about itself: its argparse `--help` (options, defaults, choices), or, for a nanoGPT-style
 * script without argparse, its top-level `name = literal` settings (which nanoGPT's configurator.py
 * overrides with `--name=value`); and a sample of its output for the metric regexes. Every guess carries
 * a `//` comment saying what to check; the result validates as it is.
 */
import type { SpecKnob } from './trainer-spec.ts';

type KnobDraft = Record<string, unknown> & { type: SpecKnob['type'] };

function numberKnob(def: number, flag: string, note: string): KnobDraft {
  const int = Number.isInteger(def) && !/[.e]/i.test(String(def));
  if (int) {
    const low = Math.max(def > 0 ? 1 : 0, Math.floor(def / 2));
    return {
      type: 'int',
      low,
      high: Math.max(low + 1, def * 2),
      default: def,
      flag,
      '//': `${note}; range guessed as [default/2, default*2]: check it`,
    };
  }
  if (def > 0)
    return {
      type: 'float',
      low: Number((def / 10).toPrecision(3)),
      high: Number((def * 10).toPrecision(3)),
      log: true,
      default: def,
      flag,
      '//': `${note}; range guessed as a decade either side: check it`,
    };
  return { type: 'float', low: 0, high: 1, default: def, flag, '//': `${note}; range guessed: check it` };
}

/** Options of an argparse `--help`: `--name VALUE  help text (default: 3e-4)` and `--name {a,b}`. */
export function knobsFromHelp(help: string): Record<string, KnobDraft> {
  const out: Record<string, KnobDraft> = {};
  const lines = help.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m =
      /^\s+(?:-\w,\s+)?--([A-Za-z_][\w-]*)(?:[ =](\{[^}]*\}|[A-Z_][A-Z0-9_]*))?(?:,\s+-\w(?: \S+)?)?\s*(.*)$/.exec(
        lines[i],
      );
    if (!m || m[1] === 'help' || !m[2]) continue;
    let text = m[3];
    for (let j = i + 1; j < lines.length && /^\s{8,}\S/.test(lines[j]) && !/^\s+-/.test(lines[j]); j++)
      text += ' ' + lines[j].trim();
    const name = m[1].replace(/-/g, '_');
    const flag = `--${m[1]}={value}`;
    if (m[2].startsWith('{')) {
      const choices = m[2]
        .slice(1, -1)
        .split(',')
        .map((c) => (/^-?\d+(\.\d+)?$/.test(c) ? Number(c) : c));
      out[name] = { type: 'categorical', choices, flag, '//': 'from --help' };
      continue;
    }
    const d = /\(default:\s*([^)]+)\)/.exec(text)?.[1]?.trim();
    if (d !== undefined && /^-?[\d.]+(e[-+]?\d+)?$/i.test(d))
      out[name] = numberKnob(Number(d), flag, 'from --help');
  }
  return out;
}

/** Top-level numeric settings of a nanoGPT-style script (`learning_rate = 6e-4 # max learning rate`). */
export function knobsFromSource(src: string): Record<string, KnobDraft> {
  const out: Record<string, KnobDraft> = {};
  for (const m of src.matchAll(/^([a-z_][a-z0-9_]*)\s*=\s*(-?[\d.]+(?:e[-+]?\d+)?)\s*(?:#.*)?$/gim)) {
    if (/^(seed|eval_iters|log_interval|max_iters|lr_decay_iters|eval_interval|warmup_iters)$/.test(m[1]))
      continue;
    out[m[1]] = numberKnob(Number(m[2]), `--${m[1]}={value}`, `a top-level setting (${m[1]} = ${m[2]})`);
  }
  return out;
}

export interface MetricGuess {
  metrics: Record<string, unknown>;
  valMetric: Record<string, unknown>;
}

/** Metric regexes for output styles we know (nanoGPT, autoresearch), else a generic step/loss line. */
export function metricsFromOutput(sample: string): MetricGuess {
  const metrics: Record<string, unknown> = {};
  let valMetric: Record<string, unknown> = {
    kind: 'loss',
    bytesPerToken: 1,
    '//': 'bytes per token of your tokenizer (1 for characters; ~4 for GPT-2 BPE on English): check it',
  };
  if (/^iter \d+: loss [\d.]+/m.test(sample))
    metrics.train = '^iter (?<step>\\d+): loss (?<loss>[-+\\d.eE]+|nan|inf)';
  if (/^step \d+: train loss [\d.]+, val loss [\d.]+/m.test(sample))
    metrics.eval = '^step (?<step>\\d+): train loss (?<trainLoss>[\\d.]+), val loss (?<valLoss>[\\d.]+)';
  if (/^number of parameters: [\d.]+M/m.test(sample)) {
    metrics.params = '^number of parameters: (?<params>[\\d.]+)M';
    metrics.paramsScale = 1e6;
  }
  if (/^step \d+ \([\d.]+%\) \| loss: [\d.]+/m.test(sample))
    metrics.train = '^step (?<step>\\d+) \\([\\d.]+%\\) \\| loss: (?<loss>[-+\\d.eE]+|nan|inf)';
  if (/^val_bpb:\s+[\d.]+/m.test(sample)) {
    metrics.final = '^val_bpb:\\s+(?<valBpb>[\\d.]+)';
    valMetric = { kind: 'bpb' };
  }
  if (/^num_params_M:\s+[\d.]+/m.test(sample)) {
    metrics.params = '^num_params_M:\\s+(?<params>[\\d.]+)';
    metrics.paramsScale = 1e6;
  }
  if (!metrics.train && !metrics.eval && !metrics.final) {
    metrics.train = '(?:step|iter)\\D*(?<step>\\d+).*?loss\\W+(?<loss>[-+\\d.eE]+)';
    metrics['//'] = 'a generic guess: no known output style was recognised; named groups become event fields';
  }
  return { metrics, valMetric };
}

export function starterSpec(o: {
  name: string;
  script: string;
  knobs: Record<string, KnobDraft>;
  from: string;
  metrics: MetricGuess;
}): Record<string, unknown> {
  return {
    $comment: `Starter trainer spec for ${o.script}, written by flywheel init-trainer from ${o.from}. Keys starting with // or $comment are comments. Check every // note, then: flywheel run --trainer <this file> --json`,
    name: o.name,
    command: ['{python}', o.script],
    '// command': '{python} is a Python with torch; add the fixed flags of your recipe here',
    knobs: o.knobs,
    '// seed':
      'if the script takes a seed: "seed": {"flag": "--seed={value}"}, with "pairs": true when the seed alone fixes its data order and initial weights (research then compares configs on paired seeds)',
    budget: {
      '//': 'how a budget reaches the script: steps (tokens / tokensPerStep), tokens or seconds, each as a flag, env var or config-file key; budgets it cannot be told are enforced by Flywheel',
      default: '60s',
    },
    ...o.metrics,
    tokensPerStep: 1024,
    '// tokensPerStep':
      'tokens per optimizer step (batch x context x accumulation), a number or a formula over knobs',
    snapshot: { exclude: ['data/**', 'out*/**', '*.pt', '*.bin'], maxBytes: 5_000_000 },
  };
}
