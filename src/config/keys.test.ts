import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlywheelError } from '../errors.ts';
import { keyError, keyGrammar, researcherAssignmentError, trainConfigGrammar } from './keys.ts';
import { resolveConfig } from './resolve.ts';

describe('the config key grammar', () => {
  it('knows every leaf of TrainConfig and data.mixture.<domain>, nothing else', () => {
    const g = trainConfigGrammar();
    for (const k of ['optim.lr', 'model.depth', 'seed', 'trainer.dir', 'trainer.stdoutAdapter.train'])
      assert.equal(keyError(k), undefined, k);
    assert.equal(keyError('data.mixture.news'), undefined);
    assert.ok(!g.leaves.has('train') && !g.leaves.has('data.mixture'));
    assert.match(keyError('model.layers')!, /^unknown config key model\.layers$/);
  });

  it('refuses padded keys, case-folded keys, groups and bad domain names, saying why', () => {
    assert.match(
      keyError(' optim.lr')!,
      /" optim\.lr": keys are exact dotted paths, with no surrounding spaces/,
    );
    assert.match(keyError('data.dir ')!, /"data\.dir ": keys are exact/);
    assert.match(keyError('Optim.LR')!, /case-sensitive; the key is "optim\.lr"/);
    assert.match(keyError('train')!, /"train": it is a group of keys, not a key.*e\.g\. train\./);
    assert.match(keyError('data.mixture')!, /group of keys/);
    assert.match(keyError('data.mixture.News')!, /"News" is not a valid name under data\.mixture/);
    assert.match(keyError('data.mixture. news')!, /not a valid name/);
    assert.match(keyError('')!, /empty config key/);
  });

  it('lets a researcher change research knobs only, and never through an object value', () => {
    assert.equal(researcherAssignmentError('optim.lr', 0.01), undefined);
    assert.equal(researcherAssignmentError('train.batchTokens', 2048), undefined);
    assert.equal(researcherAssignmentError('data.mixture.code', 0.3), undefined);
    for (const k of [
      'trainer.dir',
      'trainer.command',
      'data.dir',
      'data.vocabSize',
      'budget.tokens',
      'resume.checkpoint',
      'preset',
      'train.finalEvalTokensPerDomain',
      'train.evalTokensPerDomain',
      'train.device',
      'train.heartbeatSeconds',
    ])
      assert.match(researcherAssignmentError(k, 1)!, /is not the researcher's to change/, k);
    assert.match(
      researcherAssignmentError('seed', 3)!,
      /a change of only seed is noise, never a win; seeds are the engine's/,
    );
    assert.match(researcherAssignmentError('model.depth', { a: 1 })!, /an object is not a value/);
    assert.match(researcherAssignmentError('trainer', { dir: '/x' })!, /group of keys/);
  });

  it('is the grammar --set uses: exact keys, exit-2 errors naming the key', () => {
    const refused = (set: string, re: RegExp) =>
      assert.throws(
        () => resolveConfig({ preset: 'tiny', sets: [set] }),
        (e: unknown) => e instanceof FlywheelError && e.code === 'bad_config' && re.test(e.message),
        set,
      );
    refused(' optim.lr=0.1', /" optim\.lr": keys are exact/);
    refused('optim.lr =0.1', /"optim\.lr ": keys are exact/);
    refused('Optim.LR=0.1', /case-sensitive/);
    refused('train={"finalEvalTokensPerDomain":16}', /group of keys/);
    refused('model.depth={"x":1}', /an object is not a value/);
    assert.equal(resolveConfig({ preset: 'tiny', sets: ['optim.lr= 0.1'] }).optim.lr, 0.1);
  });

  it('serves a trainer with its own knobs', () => {
    const g = keyGrammar(['lr', 'n_layer'], {}, 'nanogpt');
    assert.equal(keyError('lr', g), undefined);
    assert.match(keyError(' lr', g)!, /bad nanogpt key " lr"/);
    assert.match(keyError('optim.lr', g)!, /unknown nanogpt key optim\.lr/);
  });

  it('refuses a mixture domain name outside the grammar in a whole config too', () => {
    assert.throws(
      () =>
        resolveConfig({ preset: 'tiny', base: { ...resolveConfig({}), data: { mixture: { ' news': 1 } } } }),
      /bad config data\.mixture\. news=1: Invalid key in record/,
    );
  });
});
