import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lbfgs } from './lbfgs.ts';

describe('L-BFGS', () => {
  it('finds the minimum of the Rosenbrock function from the textbook start', () => {
    const r = lbfgs(
      (x, g) => {
        const [a, b] = [x[0], x[1]];
        g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
        g[1] = 200 * (b - a * a);
        return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
      },
      [-1.2, 1],
      { maxIter: 500, gradTol: 1e-10, relTol: 0 },
    );
    assert.ok(Math.abs(r.x[0] - 1) < 1e-5 && Math.abs(r.x[1] - 1) < 1e-5, `${r.x}`);
    assert.ok(r.converged);
  });
});
