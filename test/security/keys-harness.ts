/**
 * Shared by the `keys-*` attacks: a config change proposed three ways — by the Claude researcher
 * through `propose_config_experiment` (the Messages-API test double, real SDK and tool loop), into the
 * engine's admission (`admitProposals` on a real session over a real SQLite store), and straight to
 * `admitProposal` — and the verdict: the attack fails only when all three refuse it with the expected
 * (true) reason and nothing was run or stored.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { admitProposals, sessionDigest } from '../../src/research/io/intake.ts';
import { admitProposal } from '../../src/research/core/proposals.ts';
import type { ResearchSession } from '../../src/research/session.ts';
import type { Change, Proposal } from '../../src/researchers/base.ts';
import { LlmResearcher } from '../../src/researchers/llm-researcher.ts';
import type { Store } from '../../src/store/base.ts';
import { openStore } from '../../src/store/open.ts';
import { makeSession, synthConfig } from '../helpers/research-fixtures.ts';
import { claude } from '../llm-double/replies.ts';
import { startLlmDouble, type LlmDouble, type RecordedRequest } from '../llm-double/server.ts';
import type { AttackResult } from './attack.ts';
import { doubleResearcher } from '../helpers/claude-double.ts';

export interface KeyEnv {
  home: string;
  store: Store;
  double: LlmDouble;
  session: ResearchSession;
  researcher: LlmResearcher;
}

/** A temp FLYWHEEL_HOME with a store, the LLM double, a Claude researcher and a fresh session; all removed after. */
export async function withKeyEnv<T>(fn: (env: KeyEnv) => Promise<T>): Promise<T> {
  const home = mkdtempSync(join(tmpdir(), 'fw-keys-attack-'));
  const prevHome = process.env.FLYWHEEL_HOME;
  process.env.FLYWHEEL_HOME = home;
  const double = await startLlmDouble();
  const store = await openStore({ home });
  try {
    const researcher = doubleResearcher(double.url, store, { retry: { attempts: 1, baseMs: 10, maxMs: 20 } });
    const { session, executor } = await makeSession({ store, researcher, base: synthConfig() });
    try {
      return await fn({ home, store, double, session, researcher });
    } finally {
      await executor.close();
    }
  } finally {
    await store.close();
    await double.close();
    if (prevHome === undefined) delete process.env.FLYWHEEL_HOME;
    else process.env.FLYWHEEL_HOME = prevHome;
    rmSync(home, { recursive: true, force: true });
  }
}

/** A code edit that changes nothing that matters: the config part of a code proposal is what is attacked. */
const AFTER_START =
  "    run.start(model, stateful)  # 'start' event; restores model/optimizers when resuming\n";
export const HARMLESS_EDIT = { file: 'train.py', search: AFTER_START, replace: `${AFTER_START}    pass\n` };

const toolResults = (r: RecordedRequest) =>
  (
    (r.body.messages.at(-1)?.content ?? []) as Array<{ type: string; content: string; is_error?: boolean }>
  ).filter((b) => b.type === 'tool_result');

/**
 * Propose `makeSet(env)` as a config experiment through the LLM tool, the engine and direct admission.
 * `reason` is the refusal every path must give; `planted` is a file the attack's code would create if
 * it ever ran.
 */
export async function proposeEverywhere(
  makeSet: (env: KeyEnv) => Record<string, unknown>,
  reason: RegExp,
  planted?: (env: KeyEnv) => string,
  kind: 'config' | 'code' = 'config',
): Promise<AttackResult> {
  return withKeyEnv(async (env) => {
    const set = makeSet(env);
    const title = 'A better learning setup';
    const hypothesis = 'this change should lower val bpb noticeably';
    const n0 = env.double.requests.length;
    const change: Change = kind === 'config' ? { kind, set } : { kind, edits: [HARMLESS_EDIT], set };
    env.double.enqueue(
      'anthropic',
      claude.toolUse([
        kind === 'config'
          ? { name: 'propose_config_experiment', input: { title, hypothesis, set, expectedEffect: -0.2 } }
          : {
              name: 'propose_code_experiment',
              input: { title, hypothesis, edits: [HARMLESS_EDIT], set, expectedEffect: -0.2 },
            },
      ]),
      claude.toolUse([{ name: 'finish_turn', input: { summary: 'proposed one idea' } }]),
    );
    const { digest } = await sessionDigest(env.session.port());
    const props = await env.researcher.propose(digest, 1, {});
    const answer = env.double.requests.slice(n0).flatMap(toolResults)[0];
    const viaTool = props.length === 0 && answer?.is_error === true && reason.test(answer.content);

    const proposal: Proposal = {
      title,
      hypothesis,
      change,
      expectedEffect: -0.2,
      source: 'claude',
    };
    const admitted = await admitProposals(env.session.port(), [proposal]);
    const rejection = env.session.state.rejected.at(-1)?.reason ?? '';
    const viaEngine = admitted === 0 && reason.test(rejection);

    const direct = admitProposal(proposal, env.session.baseConfig, {
      searchSpace: env.session.spec.searchSpace,
      noiseKeys: env.session.spec.noiseKeys,
      triedKeys: new Map(),
      ...(kind === 'code' ? { codeHash: 'agent-patch' } : {}),
    });
    const viaAdmission = !direct.ok && reason.test(direct.reason);

    const runs = await env.store.listRuns();
    const ideas = await env.store.listIdeas({ limit: 10 });
    const ran = planted !== undefined && existsSync(planted(env));
    const refused = viaTool && viaEngine && viaAdmission;
    return {
      succeeded: !refused || runs.length > 0 || ideas.length > 0 || ran,
      detail:
        `tool: ${answer?.is_error ? 'error' : 'ok'} "${answer?.content ?? '(no answer)'}"; ` +
        `engine: ${admitted} admitted ("${rejection}"); admission: ${direct.ok ? 'ok' : `"${direct.reason}"`}; ` +
        `${runs.length} runs, ${ideas.length} ideas stored${ran ? '; the planted code ran' : ''}`,
    };
  });
}
