/**
 * Research sessions with an LLM researcher behind the HTTP test double: real sessions, store and
 * processes. Trials run the synthetic trainer (instant, planted effects); code experiments' smoke runs
 * run the real trainer (trainers/gpt, 20 steps of the tiny preset) in the bubblewrap sandbox — three
 * such runs in this file. Then the CLI end to end.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandboxStatus } from '../src/sandbox/bwrap.ts';
import { DEFAULT_TRAINER_DIR } from '../src/runs/run-dir.ts';
import type { Store } from '../src/store/base.ts';
import {
  makeSession,
  SYNTH_TRAINER,
  synthConfig,
  synthStore,
  tempHome,
  tempStore,
} from './helpers/research-fixtures.ts';
import { writeTinyDataset } from './fixtures/tiny-dataset.ts';
import { claude } from './llm-double/replies.ts';
import { startLlmDouble, type LlmDouble } from './llm-double/server.ts';
import { doubleResearcher } from './helpers/claude-double.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'flywheel.js');
const sandboxed = sandboxStatus().ok;

/** Run a process without blocking this one (the test double answers from this process). */
function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), 240_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** An edit of train.py: harmless, or with a twist inserted right after the model is built. */
const AFTER_START =
  "    run.start(model, stateful)  # 'start' event; restores model/optimizers when resuming\n";
const edit = (extra: string) => ({
  file: 'train.py',
  search: AFTER_START,
  replace: `${AFTER_START}${extra}`,
});
const codeCall = (title: string, extra: string) => ({
  name: 'propose_code_experiment',
  input: {
    title,
    hypothesis: `${title}: a change to the training loop worth measuring`,
    edits: [edit(extra)],
    expectedEffect: -0.03,
  },
});

describe('research sessions with the Claude researcher', () => {
  let double: LlmDouble;
  let store: Store;
  let home: string;
  let dataDir: string;
  const researcher = (o: { unsafeNoSandbox?: boolean } = {}) =>
    doubleResearcher(double.url, store, { unsafeNoSandbox: o.unsafeNoSandbox });
  const base = () => synthConfig([`data.dir=${JSON.stringify(dataDir)}`]);

  synthStore('fw-llm-session-', {}, (s, h) => {
    store = s;
    home = h;
  });
  before(async () => {
    double = await startLlmDouble();
    dataDir = join(home, 'tiny-data');
    writeTinyDataset(dataDir, { trainTokens: 20_000, valTokens: 2_000 });
  });
  after(() => double.close());

  it('proposes a config change that the engine confirms as a win, with every call priced in the journal', async () => {
    const cfg = base();
    process.env.FLYWHEEL_SYNTH_EFFECTS = JSON.stringify({ 'optim.lr<': [cfg.optim.lr * 0.75, -0.05] }); // the model's first idea halves the LR
    const r = researcher();
    const { session, executor } = await makeSession({
      store,
      researcher: r,
      base: cfg,
      spec: { maxProposals: 2 },
    });
    const s = await session.run();
    await executor.close();
    delete process.env.FLYWHEEL_SYNTH_EFFECTS;
    const halve = session.state.proposals.find((p) => p.title === 'Halve the learning rate');
    assert.equal(halve?.source, 'claude');
    assert.equal(halve?.verdict, 'win', JSON.stringify(halve?.stats));
    assert.equal(halve?.confirmed, true);
    assert.equal(s.significant, true);
    const journal = await store.listJournal(session.id);
    const llm = journal.filter((e) => e.kind === 'llm');
    const u = r.usage();
    assert.equal(llm.length, u.calls);
    assert.ok(Math.abs(llm.reduce((a, e) => a + (e.data!.costUsd as number), 0) - u.costUsd) < 1e-12);
    assert.ok(
      double.requests.some((q) =>
        /^Successive halving just promoted/.test(q.body.messages?.[0]?.content?.[0]?.text ?? ''),
      ),
      'the model reviewed a rung',
    );
  });

  it('lets the model drop proposals when it reviews a rung; the dropped ones stop spending compute', async () => {
    const pilot = double.fallback.anthropic;
    double.fallback.anthropic = (req, d) => {
      const task: string = req.body.messages[0].content[0].text;
      if (!task.startsWith('Successive halving')) return typeof pilot === 'function' ? pilot(req, d) : pilot;
      const ids = [...new Set([...task.matchAll(/"id":"(p\d+)"/g)].map((m) => m[1]))];
      const spec = claude.toolUse([
        { name: 'finish_turn', input: { summary: 'not worth more compute', drop: ids } },
      ]);
      return typeof spec === 'function' ? spec(req, d) : spec;
    };
    // the first idea (half the LR) is planted ahead of the baseline, so successive halving promotes it
    // and the model gets its review; without that the outcome would hang on the noise draws
    process.env.FLYWHEEL_SYNTH_EFFECTS = JSON.stringify({ 'optim.lr<': [base().optim.lr * 0.75, -0.05] });
    // its own store: the first test already tried these ideas, and tried ideas are never re-run
    const home = process.env.FLYWHEEL_HOME;
    const own = await tempStore(tempHome('fw-llm-drop-'));
    try {
      const { session, executor } = await makeSession({
        store: own,
        researcher: researcher(),
        base: base(),
        spec: { maxProposals: 2 },
      });
      await session.run();
      await executor.close();
      const dropped = session.state.proposals.filter((p) => p.status === 'dropped');
      assert.ok(dropped.length >= 1, JSON.stringify(session.state.proposals.map((p) => [p.id, p.status])));
      for (const p of dropped) {
        assert.equal(p.verdict, 'inconclusive');
        const trials = session.state.trials.filter((t) => t.proposalId === p.id);
        assert.ok(
          trials.every((t) => !(1 in t.results) && t.status !== 'pending'),
          JSON.stringify(trials),
        );
      }
      const journal = await own.listJournal(session.id, { kinds: ['promotion'] });
      assert.ok(journal.some((e) => /claude review dropped p\d+ /.test(e.title)));
    } finally {
      double.fallback.anthropic = pilot;
      delete process.env.FLYWHEEL_SYNTH_EFFECTS;
      process.env.FLYWHEEL_HOME = home;
      await own.close();
    }
  });

  it(
    'fixes a code edit that does not compile, smoke-tests it in the sandbox, and stores its patch with every run',
    { skip: !sandboxed && 'bwrap unusable here' },
    async () => {
      double.enqueue(
        'anthropic',
        claude.toolUse([
          codeCall('Parameter list as list()', '    params = list(model.parameters(\n'),
          { name: 'finish_turn', input: { summary: 'one code idea' } },
        ]),
        claude.toolUse([
          codeCall('Parameter list as list()', '    params = list(model.parameters())  # agent edit\n'),
          { name: 'finish_turn', input: {} },
        ]),
      );
      const n0 = double.requests.length;
      const { session, executor } = await makeSession({
        store,
        researcher: researcher(),
        base: base(),
        spec: { maxProposals: 1 },
      });
      await session.run();
      await executor.close();
      const fixAsk = double.requests
        .slice(n0)
        .find((q) => /^Your code experiment/.test(q.body.messages[0].content[0].text));
      assert.match(fixAsk?.body.messages[0].content[0].text ?? '', /compile failed:[\s\S]*SyntaxError/);
      const p = session.state.proposals.find((x) => x.change.kind === 'code');
      assert.ok(p?.codeDir && p.codeHash && p.sandbox === 'bwrap', JSON.stringify(session.state.rejected));
      assert.match(readFileSync(join(p.codeDir, 'train.py'), 'utf8'), /# agent edit/);
      const smoke = (await store.listRuns({})).find(
        (r) => r.tags.purpose === 'smoke' && r.tags.session === session.id,
      );
      assert.equal(smoke?.status, 'completed', smoke?.statusReason ?? '');
      const runs = (await store.listRuns({ sessionId: session.id })).filter((r) => r.tags.proposal === p.id);
      assert.ok(runs.length >= 1);
      for (const r of [smoke!, ...runs]) {
        assert.match(
          r.codeDiff ?? '',
          /^--- a\/train\.py\n\+\+\+ b\/train\.py[\s\S]*\+ {4}params = list\(model\.parameters\(\)\) {2}# agent edit/,
        );
        assert.equal(r.tags.tampered, undefined);
      }
    },
  );

  it(
    'a patch that opens a socket fails its sandboxed smoke run; the baseline and the other proposal are unaffected',
    { skip: !sandboxed && 'bwrap unusable here' },
    async () => {
      double.enqueue(
        'anthropic',
        claude.toolUse([
          codeCall(
            'Phone home',
            '    import socket\n    socket.create_connection(("1.1.1.1", 53), timeout=5)\n',
          ),
          {
            name: 'propose_config_experiment',
            input: {
              title: 'beta1 0.85',
              hypothesis: 'a shorter momentum memory reacts faster to the loss landscape',
              set: { 'optim.beta1': 0.85 },
              expectedEffect: -0.002,
            },
          },
          { name: 'finish_turn', input: {} },
        ]),
        claude.toolUse([{ name: 'finish_turn', input: { summary: 'cannot fix that' } }]),
      );
      const n0 = double.requests.length;
      const { session, executor } = await makeSession({
        store,
        researcher: researcher(),
        base: base(),
        parallel: 2,
        spec: { maxProposals: 2 },
      });
      await session.run();
      await executor.close();
      const smoke = (await store.listRuns({})).find(
        (r) => r.tags.purpose === 'smoke' && r.tags.session === session.id,
      );
      assert.equal(smoke?.status, 'failed');
      assert.match(smoke?.statusReason ?? '', /^sandbox: network access blocked \(.*Network is unreachable/);
      assert.match(smoke?.codeDiff ?? '', /socket\.create_connection/);
      const fixAsk = double.requests
        .slice(n0)
        .find((q) => /^Your code experiment/.test(q.body.messages[0].content[0].text));
      assert.match(
        fixAsk?.body.messages[0].content[0].text ?? '',
        /smoke run failed:[\s\S]*Network is unreachable/,
      );
      assert.match(
        session.state.rejected.map((x) => `${x.title}: ${x.reason}`).join('\n'),
        /Phone home: smoke run failed; the researcher gave up after 1 attempt\(s\): .*sandbox: network access blocked/,
      );
      const titles = session.state.proposals.map((x) => x.title);
      assert.ok(titles.includes('beta1 0.85') && !titles.includes('Phone home'), JSON.stringify(titles));
      const runs = await store.listRuns({ sessionId: session.id });
      assert.ok(
        runs.length >= 7 && runs.every((r) => r.status === 'completed' || r.status === 'stopped'),
        JSON.stringify(runs.map((r) => [r.status, r.statusReason])),
      );
    },
  );

  it('without the sandbox (--unsafe-no-sandbox) a patch that writes harness.py at run time fails as tampered', async () => {
    const prev = process.env.FLYWHEEL_BWRAP;
    process.env.FLYWHEEL_BWRAP = '/nonexistent/bwrap';
    sandboxStatus(true);
    const harnessBefore = readFileSync(join(DEFAULT_TRAINER_DIR, 'harness.py'), 'utf8');
    try {
      double.enqueue(
        'anthropic',
        claude.toolUse([
          codeCall(
            'Better eval',
            '    open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness.py"), "a").write("\\n# tampered\\n")\n',
          ),
          { name: 'finish_turn', input: {} },
        ]),
        claude.toolUse([{ name: 'finish_turn', input: {} }]),
      );
      const { session, executor } = await makeSession({
        store,
        researcher: researcher({ unsafeNoSandbox: true }),
        base: base(),
        spec: { maxProposals: 1 },
      });
      await session.run();
      await executor.close();
      const smoke = (await store.listRuns({})).find(
        (r) => r.tags.purpose === 'smoke' && r.tags.session === session.id,
      );
      assert.equal(smoke?.status, 'failed');
      assert.match(smoke?.statusReason ?? '', /^tampered: harness\.py in the run's code changed/);
      assert.equal(smoke?.tags.tampered, '1');
      assert.match(String(smoke?.summary.tampered), /harness\.py/);
      assert.match(session.state.rejected[0]?.reason ?? '', /tampered: harness\.py/);
      assert.equal(
        readFileSync(join(DEFAULT_TRAINER_DIR, 'harness.py'), 'utf8'),
        harnessBefore,
        "the repository's harness.py is untouched",
      );
      assert.ok(existsSync(join(smoke!.runDir, 'code', 'harness.py')));
    } finally {
      if (prev === undefined) delete process.env.FLYWHEEL_BWRAP;
      else process.env.FLYWHEEL_BWRAP = prev;
      sandboxStatus(true);
    }
  });
});

describe('flywheel research --researcher claude (CLI)', () => {
  let double: LlmDouble;
  before(async () => {
    double = await startLlmDouble();
  });
  after(() => double.close());

  it('completes with runs proposed by the model and per-call usage and total cost in the JSON and the store', async () => {
    const home = tempHome('fw-llm-cli-');
    const env = {
      ...process.env,
      FLYWHEEL_HOME: home,
      ANTHROPIC_BASE_URL: double.url,
      ANTHROPIC_API_KEY: 'test',
      FLYWHEEL_SYNTH_SIGMA: '0.01',
    };
    const res = await run(
      process.execPath,
      [BIN, 'research', '--researcher', 'claude', '--preset', 'tiny',
        '--set', `trainer.command=${JSON.stringify(['python3', SYNTH_TRAINER])}`, '--set', 'train.batchTokens=1024', '--set', 'model.seqLen=64',
        '--full-tokens', '12288', '--rungs', '2', '--parallel', '2', '--budget', '3m', '--max-proposals', '2', '--max-llm-cost', '5', '--json'], // prettier-ignore
      env,
    );
    assert.equal(res.status, 0, res.stderr.slice(-3000));
    const out = JSON.parse(res.stdout);
    assert.equal(out.status, 'completed');
    assert.ok(
      out.llm.calls >= 2 && out.llm.costUsd > 0 && out.llm.inputTokens > 0 && out.llm.outputTokens > 0,
      JSON.stringify(out.llm),
    );
    assert.equal(out.llm.perCall.length, out.llm.calls);
    assert.ok(
      Math.abs(
        out.llm.perCall.reduce((a: number, c: { costUsd: number }) => a + c.costUsd, 0) - out.llm.costUsd,
      ) < 1e-12,
    );
    assert.match(
      res.stderr,
      /\[llm\] claude propose: \d+ in \(\d+ cached\) \/ \d+ out tokens, \$[\d.]+ \(session \$[\d.]+ of \$5\.000\)/,
    );
    const { openStore } = await import('../src/store/open.ts');
    const store = await openStore({ home });
    try {
      const session = await store.getSession(out.sessionId);
      const proposals = (session!.state as { proposals: Array<{ source: string }> }).proposals.filter(
        (p) => p.source === 'claude',
      );
      assert.equal(proposals.length, 2);
      const runs = await store.listRuns({ sessionId: out.sessionId });
      assert.ok(
        runs.some((r) => r.tags.proposal === 'p1'),
        "runs of the model's proposals",
      );
      const llm = await store.listJournal(out.sessionId, { kinds: ['llm'] });
      assert.equal(llm.length, out.llm.calls);
      assert.equal((llm.at(-1)!.data!.totalCostUsd as number).toFixed(9), out.llm.costUsd.toFixed(9));
    } finally {
      await store.close();
    }
  });
});
