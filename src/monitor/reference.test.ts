import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baselineReference, loadCurve } from '../../test/fixtures/curves/load.ts';
import { buildReference, interpolate, onLevel } from './reference.ts';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

describe('baseline reference', () => {
  it('interpolates linearly between points and refuses to extrapolate', () => {
    const pts = [
      { tokens: 100, value: 4 },
      { tokens: 200, value: 3 },
      { tokens: 400, value: 2 },
    ];
    close(interpolate(pts, 150)!, 3.5);
    close(interpolate(pts, 300)!, 2.5);
    close(interpolate(pts, 400)!, 2);
    assert.equal(interpolate(pts, 99), undefined);
    assert.equal(interpolate(pts, 401), undefined);
  });

  it('gives the mean and sample std of the seeds at a token count', () => {
    const ref = buildReference({
      eval: [
        [
          { tokens: 0, valBpb: 4 },
          { tokens: 100, valBpb: 3 },
        ],
        [
          { tokens: 0, valBpb: 4 },
          { tokens: 100, valBpb: 3.2 },
        ],
        [
          { tokens: 0, valBpb: 4 },
          { tokens: 100, valBpb: 3.4 },
        ],
      ],
    });
    const b = ref.evalBand(50)!;
    close(b.mean, 3.6);
    close(b.std, 0.1); // values 3.5, 3.6, 3.7
    assert.equal(b.n, 3);
  });

  it('is undefined where fewer than two seeds cover the tokens', () => {
    const ref = buildReference({
      eval: [
        [
          { tokens: 0, valBpb: 4 },
          { tokens: 100, valBpb: 3 },
        ],
        [
          { tokens: 0, valBpb: 4 },
          { tokens: 200, valBpb: 3 },
        ],
      ],
    });
    assert.equal(ref.evalBand(150), undefined);
    assert.equal(
      buildReference(
        {
          eval: [
            [
              { tokens: 0, valBpb: 4 },
              { tokens: 200, valBpb: 3 },
            ],
          ],
        },
        { minSeeds: 1 },
      ).evalBand(100)!.n,
      1,
    );
  });

  it('matches the recorded baseline seeds at their own eval points', () => {
    const ref = baselineReference();
    const seeds = [0, 1, 2].map((s) => loadCurve(`baseline-seed${s}` as 'baseline-seed0').eval[4].valBpb);
    close(ref.evalBand(40960)!.mean, (seeds[0] + seeds[1] + seeds[2]) / 3, 1e-9);
    assert.ok(ref.evalBand(40960)!.std > 0);
  });

  it('builds a smoothed train-loss band that ignores a single outlier batch', () => {
    const steps = Array.from({ length: 30 }, (_, i) => i);
    const seed = (off: number, spikeAt = -1) =>
      steps.map((s) => ({ tokens: s * 10, loss: 5 + off + (s === spikeAt ? 3 : 0) }));
    const ref = buildReference({ eval: [], train: [seed(0, 15), seed(0.1), seed(0.2)] });
    close(ref.trainBand!(150)!.mean, 5.1, 1e-9);
    close(ref.trainBand!(155)!.mean, 5.1, 1e-9);
  });

  it('gives the LR band of the seeds whose train points log an lr, and none without', () => {
    const seed = (lr: number) => [
      { tokens: 0, loss: 7, lr },
      { tokens: 100, loss: 6, lr: lr / 2 },
    ];
    const ref = buildReference({ eval: [], train: [seed(1), seed(3)] });
    const band = ref.lrBand?.(50); // seeds at 0.75 and 2.25
    assert.deepEqual([band?.mean, band?.n], [1.5, 2]);
    assert.ok(Math.abs(band!.std - Math.SQRT2 * 0.75) < 1e-12);
    const noLr = buildReference({ eval: [], train: [[{ tokens: 0, loss: 7 }], [{ tokens: 0, loss: 7 }]] });
    assert.equal(noLr.lrBand?.(0), undefined);
  });

  it('moves seeds of another config onto one seed: its level, their spread', () => {
    const spread = {
      eval: [
        [
          { tokens: 100, valBpb: 3.0 },
          { tokens: 200, valBpb: 2.6 },
        ],
        [
          { tokens: 100, valBpb: 3.2 },
          { tokens: 200, valBpb: 2.8 },
        ],
      ],
      train: [
        [
          { tokens: 100, loss: 3.1, lr: 0.01 },
          { tokens: 200, loss: 2.7, lr: 0.02 },
        ],
        [
          { tokens: 100, loss: 3.3, lr: 0.01 },
          { tokens: 200, loss: 2.9, lr: 0.02 },
        ],
      ],
    };
    const level = {
      eval: [
        { tokens: 150, valBpb: 2.5 },
        { tokens: 200, valBpb: 2.4 },
        { tokens: 300, valBpb: 2.2 }, // past the spread seeds' reach: left out
      ],
      train: [{ tokens: 200, loss: 2.5, lr: 0.03 }],
    };
    const ref = buildReference(onLevel(spread, level));
    const at = (t: number) => ref.evalBand(t)!;
    assert.ok(Math.abs(at(150).mean - 2.5) < 1e-12 && Math.abs(at(200).mean - 2.4) < 1e-12);
    assert.ok(Math.abs(at(200).std - Math.SQRT2 * 0.1) < 1e-12, 'the spread seeds’ std');
    assert.equal(ref.evalBand(300), undefined);
    assert.ok(Math.abs(ref.trainBand!(200)!.mean - 2.5) < 1e-12);
    assert.ok(Math.abs(ref.lrBand!(200)!.mean - 0.03) < 1e-12 && ref.lrBand!(200)!.std === 0);
  });
});
