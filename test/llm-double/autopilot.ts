/**
 * The double's default "model": a deterministic, stateless function of the request that behaves like
 * a terse researcher, so a whole session (or the CLI) can run against the double without a script.
 *   propose turn: get_digest, then up to n config ideas not yet tried or rejected, then finish_turn
 *   review turn:  finish_turn (no changes)        fix turn: finish_turn (gives up)
 *   judge turn:   judge_curve with `curveCall` of the case, then finish_turn
 */
import type { RecordedRequest, ReplySpec } from './server.ts';
import { toolUse, type Call, type Wire } from './replies.ts';

interface View {
  task: string; // the first user message
  lastCalls: string[]; // tool names of the newest assistant message
  lastResults: string[]; // contents of the tool results answering it
}

const textOf = (c: unknown): string =>
  typeof c === 'string'
    ? c
    : Array.isArray(c)
      ? c.map((b: { type?: string; text?: string }) => (b.type === 'text' ? (b.text ?? '') : '')).join('\n')
      : '';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- request JSON as the SDKs send it
type Json = Record<string, any>;

export function viewOf(wire: Wire, body: { messages?: Json[] }): View {
  const ms = body.messages ?? [];
  if (wire === 'anthropic') {
    const last = ms[ms.length - 1];
    const prev = ms[ms.length - 2];
    const blocks = Array.isArray(last?.content) ? last.content : [];
    return {
      task: textOf(ms[0]?.content),
      lastCalls: Array.isArray(prev?.content)
        ? prev.content
            .filter((b: { type: string }) => b.type === 'tool_use')
            .map((b: { name: string }) => b.name)
        : [],
      lastResults: blocks
        .filter((b: { type: string }) => b.type === 'tool_result')
        .map((b: { content: unknown }) => textOf(b.content)),
    };
  }
  const firstUser = ms.find((m) => m.role === 'user');
  let i = ms.length - 1;
  const results: string[] = [];
  while (i >= 0 && ms[i].role === 'tool') results.unshift(String(ms[i--].content));
  const prev = ms[i];
  return {
    task: String(firstUser?.content ?? ''),
    lastCalls:
      prev?.role === 'assistant'
        ? (prev.tool_calls ?? []).map((c: { function: { name: string } }) => c.function.name)
        : [],
    lastResults: results,
  };
}

/** Config ideas relative to the baseline, best first. */
function ideas(base: {
  optim: { lr: number; weightDecay: number };
  schedule: { name: string };
  model: { norm: string };
}): Array<{ title: string; set: Record<string, unknown>; expectedEffect: number }> {
  const lr = base.optim.lr;
  return [
    {
      title: 'Halve the learning rate',
      set: { 'optim.lr': Number((lr / 2).toPrecision(3)) },
      expectedEffect: -0.02,
    },
    {
      title: 'Double the learning rate',
      set: { 'optim.lr': Number((lr * 2).toPrecision(3)) },
      expectedEffect: -0.01,
    },
    ...(base.schedule.name !== 'wsd'
      ? [{ title: 'Warmup-stable-decay schedule', set: { 'schedule.name': 'wsd' }, expectedEffect: -0.008 }]
      : []),
    ...(base.model.norm !== 'rmsnorm'
      ? [{ title: 'RMSNorm instead of LayerNorm', set: { 'model.norm': 'rmsnorm' }, expectedEffect: -0.005 }]
      : []),
    { title: 'beta2 0.99', set: { 'optim.beta2': 0.99 }, expectedEffect: -0.004 },
    { title: 'No weight decay', set: { 'optim.weightDecay': 0 }, expectedEffect: -0.003 },
  ];
}

/**
 * The double's reading of an ambiguous curve (deterministic, from the case's numbers only): kill a run
 * whose latest eval is more than 3 band std behind the baseline with its train loss behind too; keep one
 * ahead of the band's mean; flag anything else.
 */
export function curveCall(c: {
  signals?: { evalZ?: number; evalVsBandMean?: number; trainVsBandMean?: number };
}): { call: 'keep' | 'kill' | 'flag'; reason: string } {
  const s = c.signals ?? {};
  if ((s.evalZ ?? 0) > 3 && (s.trainVsBandMean ?? 0) > 0)
    return { call: 'kill', reason: `val ${s.evalZ} band std behind the baseline and train loss behind too` };
  if ((s.evalVsBandMean ?? 0) < 0)
    return { call: 'keep', reason: 'the latest eval is ahead of the baseline band' };
  return { call: 'flag', reason: 'behind, but within the noise of the band: let the rules decide' };
}

export function autopilotStep(wire: Wire, req: RecordedRequest): Call[] {
  const v = viewOf(wire, req.body ?? {});
  if (v.task.startsWith('Judge the curve')) {
    if (v.lastCalls.includes('judge_curve'))
      return [{ name: 'finish_turn', input: { summary: 'Judged the curve.' } }];
    const line = v.task.split('\n').find((l) => l.startsWith('CASE ')) ?? 'CASE {}';
    const c = JSON.parse(line.slice(5));
    return [{ name: 'judge_curve', input: { runId: c.runId, ...curveCall(c) } }];
  }
  if (!v.task.startsWith('Propose up to'))
    return [
      {
        name: 'finish_turn',
        input: {
          summary: v.task.startsWith('Successive halving')
            ? 'The ranking looks right; no changes.'
            : 'Giving up on this one.',
        },
      },
    ];
  if (v.lastCalls.length === 0) return [{ name: 'get_digest', input: {} }];
  if (!v.lastCalls.includes('get_digest'))
    return [{ name: 'finish_turn', input: { summary: 'Proposed what looked most promising per FLOP.' } }];
  const digest = JSON.parse(v.lastResults[0] ?? '{}');
  const n = Number(/^Propose up to (\d+)/.exec(v.task)?.[1] ?? 1);
  const seen = new Set<string>([
    ...(digest.tried ?? []),
    ...(digest.rejected ?? []).map((r: { title: string }) => r.title),
  ]);
  const picks = ideas(digest.baselineConfig)
    .filter((i) => !seen.has(i.title))
    .slice(0, n);
  const calls: Call[] = picks.map((i) => ({
    name: 'propose_config_experiment',
    input: {
      title: i.title,
      hypothesis: `${i.title} should lower val bpb at this budget.`,
      set: i.set,
      expectedEffect: i.expectedEffect,
    },
  }));
  return [
    ...calls,
    {
      name: 'finish_turn',
      input: {
        summary: picks.length
          ? `Proposed ${picks.map((p) => p.title).join(', ')}.`
          : 'Nothing left to propose.',
      },
    },
  ];
}

export function autopilot(wire: Wire): ReplySpec {
  return (req, double) => {
    const calls = autopilotStep(wire, req);
    const spec = toolUse(wire, calls);
    return typeof spec === 'function' ? spec(req, double) : spec;
  };
}
