import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { specLaunch } from '../runs/spec-command.ts';
import { globToRegExp } from '../runs/spec-snapshot.ts';
import { applyKnobSet, resolveSpecConfig } from './spec-config.ts';
import { evalFormula } from './spec-formula.ts';
import { specSearchSpace } from './spec-knobs.ts';
import { loadTrainerSpec, parseTrainerSpec } from './trainer-spec.ts';

const dir = mkdtempSync(join(tmpdir(), 'fw-spec-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const base = {
  name: 'demo',
  command: ['{python}', 'train.py', '--device=cpu'],
  knobs: {
    lr: { type: 'float', low: 1e-4, high: 1e-1, log: true, default: 1e-3, flag: '--learning_rate={value}' },
    wd: { type: 'float', low: 0, high: 0.3, default: 0.1, env: 'WD' },
    act: { type: 'categorical', choices: ['gelu', 'relu'], default: 'gelu', file: 'activation' },
    bs: { type: 'int', low: 4, high: 32, default: 12, search: false, flag: ['--batch_size', '{value}'] },
  },
  configFile: { name: 'k.py', format: 'python', flag: '--config={path}' },
  seed: { flag: '--seed={value}' },
  budget: { steps: { flag: '--max_iters={value}' }, evalInterval: { env: 'EVAL_EVERY' } },
  metrics: { train: '^iter (?<step>\\d+): loss (?<loss>[\\d.]+)' },
  tokensPerStep: 'bs * 64',
  valMetric: { kind: 'loss', bytesPerToken: 1 },
};

const specWith = (patch: Record<string, unknown>) => parseTrainerSpec({ ...structuredClone(base), ...patch });

describe('trainer spec', () => {
  it('accepts a spec with comments and names the field of the first error', () => {
    assert.equal(specWith({ '//': 'a comment', $comment: 'another' }).name, 'demo');
    const bad = (patch: Record<string, unknown>) => {
      try {
        specWith(patch);
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    };
    assert.match(bad({ metrics: { train: '(' } }), /metrics\.train: is not a valid regular expression/);
    assert.match(
      bad({ knobs: { lr: { type: 'float', low: 1, high: 2 } } }),
      /knobs\.lr: give exactly one of flag, env, file/,
    );
    assert.match(bad({ knobs: { 'lr rate': { type: 'float', low: 1, high: 2, env: 'X' } } }), /knobs/);
    assert.match(bad({ comand: ['x'] }), /comand: unknown field "comand"/);
    assert.match(bad({ tokensPerStep: 'bs * block' }), /tokensPerStep: .*"block" is not a knob/);
    assert.match(bad({ knobs: { lr: { type: 'float', low: 1, high: 2, flag: '--lr' } } }), /flag/);
    assert.match(bad({ seed: { pairs: true } }), /seed: give exactly one of flag, env, file/);
    assert.match(bad({ seed: { flag: '--seed={value}', pairs: 'yes' } }), /seed\.pairs: /);
  });

  it('keeps whether the seed pairs only when the spec says so (a spec without it keeps its hash)', () => {
    assert.equal(specWith({ seed: { flag: '--seed={value}', pairs: true } }).seed?.pairs, true);
    assert.equal('pairs' in (specWith({}).seed ?? {}), false);
  });

  it('loads a file, resolving its folder, and refuses a specDir written in it', () => {
    const p = join(dir, 'flywheel.trainer.json');
    writeFileSync(p, JSON.stringify(base));
    assert.equal(loadTrainerSpec(p).specDir, dir);
    writeFileSync(p, JSON.stringify({ ...base, specDir: '/' }));
    assert.throws(() => loadTrainerSpec(p), /specDir: set by Flywheel/);
    assert.throws(() => loadTrainerSpec(join(dir, 'missing.json')), /ENOENT/);
  });

  it('evaluates formulas without eval and rejects anything else', () => {
    assert.equal(evalFormula('bs * (64 + 2) / 2 - -1', { bs: 12 }), 397);
    assert.throws(() => evalFormula('process.exit()', {}), /unexpected|unknown/);
    assert.throws(() => evalFormula('bs; 1', { bs: 1 }), /unexpected ";"/);
  });

  it('takes --set knob=value exactly: names are not trimmed or case-folded, values keep their type and range', () => {
    const spec = specWith({});
    const knobs: Record<string, unknown> = {};
    applyKnobSet(spec, knobs, 'lr=0.01');
    applyKnobSet(spec, knobs, 'act=relu');
    assert.deepEqual(knobs, { lr: 0.01, act: 'relu' });
    assert.throws(() => applyKnobSet(spec, knobs, ' lr=0.01'), /unknown knob " lr"/);
    assert.throws(() => applyKnobSet(spec, knobs, 'LR=0.01'), /unknown knob "LR"/);
    assert.throws(() => applyKnobSet(spec, knobs, 'lr=0.01 --eval_only=True'), /bad knob lr/);
    assert.throws(() => applyKnobSet(spec, knobs, 'act=Relu'), /one of/);
    assert.throws(
      () => resolveSpecConfig({ spec, sets: ['lr=5'], budget: '1e4tok' }),
      /knobs\.lr.*outside \[0\.0001, 0\.1\]/,
    );
    assert.throws(
      () => resolveSpecConfig({ spec, sets: ['bs=4.5'], budget: '1e4tok' }),
      /must be an integer/,
    );
  });

  it('builds argv, env and the config file from knobs, seed and budget, with no shell in between', () => {
    const spec = { ...specWith({}), specDir: dir };
    const config = resolveSpecConfig({ spec, sets: ['bs=16', 'act=relu'], budget: '10000tok', seed: 7 });
    config.train.evalEveryTokens = 2048;
    const l = specLaunch(config, dir, () => '/usr/bin/python3');
    assert.deepEqual(l.command, [
      '/usr/bin/python3',
      'train.py',
      '--device=cpu',
      '--learning_rate=0.001',
      '--batch_size',
      '16',
      '--seed=7',
      '--max_iters=10',
      `--config=${join(dir, 'k.py')}`,
    ]);
    assert.equal(l.env.WD, '0.1');
    assert.equal(l.env.EVAL_EVERY, '2');
    assert.equal(readFileSync(join(dir, 'k.py'), 'utf8'), 'activation = "relu"\n');
    assert.equal(l.cwd, dir);
    assert.deepEqual(l.enforce, {});
    assert.equal(config.train.batchTokens, 1024);
  });

  it('enforces a budget the spec cannot pass, and searches only searchable knobs', () => {
    const spec = { ...specWith({ budget: {} }), specDir: dir };
    const l = specLaunch(resolveSpecConfig({ spec, budget: '30s,5000tok' }), dir, () => 'python3');
    assert.deepEqual(l.enforce, { tokens: 5000, seconds: 30 });
    assert.deepEqual(
      specSearchSpace(spec).knobs.map((k) => k.path),
      ['knobs.lr', 'knobs.wd', 'knobs.act'],
    );
  });

  it('loads the examples and builds the nanoGPT recipe command line, floats with a decimal point', () => {
    const root = join(import.meta.dirname, '..', '..', 'examples');
    const nano = loadTrainerSpec(join(root, 'nanogpt', 'flywheel.trainer.json'));
    assert.equal(loadTrainerSpec(join(root, 'autoresearch', 'flywheel.trainer.json')).name, 'autoresearch');
    const config = resolveSpecConfig({ spec: nano, sets: ['grad_clip=1'] });
    config.train.evalEveryTokens = 768 * 250;
    const argv = specLaunch(config, dir, () => 'python').command;
    assert.deepEqual(argv.slice(-9), [
      '--learning_rate=0.001',
      '--min_lr=0.0001',
      '--weight_decay=0.1',
      '--beta2=0.99',
      '--warmup_iters=100',
      '--grad_clip=1.0',
      '--max_iters=2000',
      '--lr_decay_iters=2000',
      '--eval_interval=250',
    ]);
  });

  it('matches snapshot exclusions as globs', () => {
    assert.ok(globToRegExp('data/**').test('data/shakespeare/train.bin'));
    assert.ok(globToRegExp('*.pt').test('out/ckpt.pt'));
    assert.ok(!globToRegExp('*.pt').test('train.py'));
    assert.ok(globToRegExp('out*/**').test('out-shakespeare/x'));
  });
});
