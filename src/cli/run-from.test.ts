/**
 * `flywheel run --from` a research session's lower-rung run (run-from.ts `lowerRungNote`): the run
 * keeps that rung's eval settings, so the CLI says so when it is re-run at another budget. No process
 * runs here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../config/resolve.ts';
import { lowerRungNote } from './run-from.ts';

const config = resolveConfig({ preset: 'small', sets: ['train.finalEvalTokensPerDomain=4096'] });
const session = { id: 's-1', spec: { rungTokens: [12_288, 36_864, 110_592] } };
const run = (tags: Record<string, string>) => ({ id: 'r-1', tags, config });

describe('lowerRungNote', () => {
  it('names a lower rung of a session and its eval settings, and nothing else', () => {
    const note = lowerRungNote(run({ rung: '1' }), session);
    assert.match(note ?? '', /run r-1 was rung 1 of session s-1, below its full budget/);
    assert.match(note ?? '', /final eval 4096 tokens per domain/);
    assert.equal(lowerRungNote(run({ rung: '2' }), session), undefined, 'the top rung is a full run');
    assert.equal(lowerRungNote(run({}), session), undefined, 'not a rung run');
    assert.equal(lowerRungNote(run({ rung: '0' }), undefined), undefined, 'no session record');
  });
});
