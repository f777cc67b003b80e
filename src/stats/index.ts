/**
 * Statistics for deciding what is real: the noise floor of baseline seeds, Welch's t-test, a bootstrap
 * CI of the difference, multiple-comparison control across a session (Holm by default, see multiple.ts),
 * and `judgeChange`, the one function that may say "win".
 */
export { bootstrapDiffCI, type BootstrapCI, type BootstrapOptions } from './bootstrap.ts';
export { formatBand, formatEffect, formatJudgement, formatNumber, formatSigned } from './describe.ts';
export { judgeChange, type JudgeInput, type Judgement, type Verdict } from './judge.ts';
export { adjustPValues, benjaminiHochberg, DEFAULT_ADJUSTMENT, holm, type Adjustment } from './multiple.ts';
export { noiseFloor, noiseFloorByRung, type NoiseFloor } from './noise-floor.ts';
export { mulberry32, randInt, randNormal, type Rng } from './rng.ts';
export { DEFAULT_NOISE_KEYS, isSeedOnlyChange, type DiffLike } from './seed-only.ts';
export { normalCdf, studentTCdf, studentTTwoSidedP } from './student-t.ts';
export { mean, median, sampleStd } from './summary.ts';
export { welchTest, type WelchResult } from './welch.ts';
