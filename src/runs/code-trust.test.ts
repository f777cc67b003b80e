import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FlywheelError } from '../errors.ts';
import { inAgentReach, refuseUnsandboxedAgentCode, referenceCodeHash } from './code-trust.ts';
import { DEFAULT_TRAINER_DIR, hashCode } from './run-dir.ts';

const home = mkdtempSync(join(tmpdir(), 'fw-code-trust-'));
after(() => rmSync(home, { recursive: true, force: true }));

/** A copy of the reference trainer with one line added to train.py. */
function patched(dir: string): { from: string; codeHash: string } {
  mkdirSync(dir, { recursive: true });
  cpSync(DEFAULT_TRAINER_DIR, dir, { recursive: true, filter: (s) => !s.includes('__pycache__') });
  writeFileSync(join(dir, 'train.py'), '# changed\n', { flag: 'a' });
  return { from: dir, codeHash: hashCode(dir).codeHash };
}

describe('which code may run outside the sandbox', () => {
  const prev = process.env.FLYWHEEL_HOME;
  process.env.FLYWHEEL_HOME = home;
  after(() => {
    if (prev === undefined) delete process.env.FLYWHEEL_HOME;
    else process.env.FLYWHEEL_HOME = prev;
  });

  it('knows where agent code lives: session folders and run snapshots, nothing else', () => {
    assert.ok(inAgentReach(join(home, 'sessions', 's-1', 'code', 'p1'), home));
    assert.ok(inAgentReach(join(home, 'runs', 'r-1', 'code'), home));
    assert.ok(!inAgentReach(join(home, 'data'), home));
    assert.ok(!inAgentReach(DEFAULT_TRAINER_DIR, home));
    assert.ok(!inAgentReach(join(home, 'sessions-not'), home));
  });

  it('lets the reference trainer and the user’s own trainer run, and refuses agent code unless sandboxed or opted out', () => {
    const plain = { sandboxed: false };
    assert.doesNotThrow(() =>
      refuseUnsandboxedAgentCode(
        { codeHash: referenceCodeHash(), from: join(home, 'runs', 'r-0', 'code') },
        plain,
      ),
    );
    const mine = patched(join(home, 'my-trainer'));
    assert.doesNotThrow(() => refuseUnsandboxedAgentCode(mine, plain));
    const agent = patched(join(home, 'sessions', 's-1', 'code', 'p1'));
    assert.throws(
      () => refuseUnsandboxedAgentCode(agent, plain),
      (e: unknown) =>
        e instanceof FlywheelError && e.code === 'conflict' && /outside the sandbox/.test(e.message),
    );
    assert.doesNotThrow(() => refuseUnsandboxedAgentCode(agent, { sandboxed: true }));
    assert.doesNotThrow(() => refuseUnsandboxedAgentCode(agent, { sandboxed: false, unsafeNoSandbox: true }));
  });
});
