/**
 * The run a session makes of a config at a rung (run-trial.ts `rungRunConfig`): below the top, a run of
 * the reference trainer that is not WSD is the full run in miniature (its warmup scaled with its
 * tokens); a WSD one is the full run's prefix (its warmup as is, a stable checkpoint to resume from);
 * another trainer's schedule is left as it is. No process runs here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../config/resolve.ts';
import type { TrainConfig } from '../../config/train-config.ts';
import { rungRunConfig } from './run-trial.ts';

const rungTokens = [12_288, 36_864, 110_592];
const at = (config: TrainConfig, rung: number) =>
  rungRunConfig(config, {
    seed: 1000,
    rung,
    tokens: rungTokens[rung],
    cost: 1,
    rungTokens,
    baseFlopsPerToken: 1,
  });

describe('rungRunConfig', () => {
  it('scales a cosine warmup with the rung, keeps the full run and a WSD prefix as they are', () => {
    const cosine = resolveConfig({ preset: 'small', sets: ['schedule.warmupTokens=32768'] });
    assert.equal(at(cosine, 2).schedule.warmupTokens, 32_768, 'the full run is the config');
    assert.equal(at(cosine, 1).schedule.warmupTokens, 10_923, 'a third of the tokens, a third of the warmup');
    assert.equal(at(cosine, 0).schedule.warmupTokens, 3641);
    assert.equal(at(cosine, 1).budget.tokens, 36_864);
    assert.equal(cosine.schedule.warmupTokens, 32_768, 'the config itself is not touched');
    const wsd = resolveConfig({
      preset: 'small',
      sets: ['schedule.name=wsd', 'schedule.warmupTokens=32768'],
    });
    assert.equal(at(wsd, 1).schedule.warmupTokens, 32_768, "a WSD rung run is the full run's prefix");
    assert.equal(at(wsd, 1).train.checkpointAtStable, true, 'and its promotion resumes from it');
    const foreign = resolveConfig({ preset: 'small', sets: ['trainer.command=["python3","mine.py"]'] });
    assert.equal(at(foreign, 1).schedule.warmupTokens, foreign.schedule.warmupTokens, 'another trainer');
  });
});
