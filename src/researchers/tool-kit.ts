/**
 * The shape of an LLM researcher's tool: a zod schema (the input, sent to the APIs as JSON Schema) and
 * an executor over the turn's ToolContext; plus validation and dispatch of one call (`runTool`).
 */
import { z } from 'zod';
import type { Store } from '../store/base.ts';
import type {
  CurveCase,
  CurveJudgement,
  Digest,
  EngineRequests,
  Proposal,
  ProposeContext,
  SessionAnalysis,
} from './base.ts';

export type TurnMode = 'propose' | 'review' | 'fix' | 'judge';

/** Per-turn state the tools read and fill. */
export interface ToolContext {
  mode: TurnMode;
  digest: Digest;
  store: Store;
  source: string; // 'claude' | 'openai'
  trainerDir: string;
  codeAllowed: { ok: true } | { ok: false; reason: string };
  maxProposals: number;
  proposals: Proposal[]; // collected this turn
  finished?: { summary?: string; promote: string[]; drop: string[]; wait?: boolean };
  /** A propose turn while a run is in flight: finish_turn may ask to wait for it (ProposeContext.wait). */
  canWait?: boolean;
  /** A judge turn: the curve asked about, and the call judge_curve recorded. */
  curveCase?: CurveCase;
  judgement?: CurveJudgement;
  journal?: ProposeContext['journal'];
  analysis?: SessionAnalysis; // the session's own runs, scoped by the engine
  engine?: EngineRequests; // asks to the engine (request_ablation, stop_run); it decides
}

export interface ToolResult {
  content: string;
  isError?: boolean;
}

export interface ToolDef<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  schema: S;
  run(input: z.infer<S>, ctx: ToolContext): Promise<ToolResult> | ToolResult;
}

/** Typed definition (input inferred from the schema), stored untyped in the list. */
export function tool<S extends z.ZodType>(d: ToolDef<S>): ToolDef {
  return d as unknown as ToolDef;
}

export const fail = (content: string): ToolResult => ({ content, isError: true });
export const ok = (v: unknown): ToolResult => ({ content: typeof v === 'string' ? v : JSON.stringify(v) });
export const r4 = (x: unknown) =>
  typeof x === 'number' && Number.isFinite(x) ? Number(x.toFixed(4)) : undefined;

export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

/** JSON Schema of every tool (the `$schema` key dropped: neither API wants it). */
export function toolSpecs(tools: ToolDef[]): ToolSpec[] {
  return tools.map((t) => {
    const { $schema: _drop, ...schema } = z.toJSONSchema(t.schema, {
      target: 'draft-7',
      io: 'input',
    }) as Record<string, unknown>;
    void _drop;
    return { name: t.name, description: t.description, inputSchema: schema };
  });
}

function describeIssues(err: z.ZodError): string {
  return err.issues
    .slice(0, 6)
    .map((i) => `${i.path.length ? i.path.join('.') : '(input)'}: ${i.message}`)
    .join('; ');
}

/** Validate and run one tool call. Unknown tools, schema errors and thrown errors come back as error results. */
export async function runTool(
  name: string,
  input: unknown,
  ctx: ToolContext,
  tools: ToolDef[],
): Promise<ToolResult> {
  const t = tools.find((x) => x.name === name);
  if (!t) return fail(`unknown tool "${name}"; the tools are ${tools.map((x) => x.name).join(', ')}`);
  const bad = (input as { $invalidJson?: unknown } | null)?.$invalidJson;
  if (typeof bad === 'string')
    return fail(
      `the arguments of this ${name} call are not valid JSON (${bad.slice(0, 120)}); send them again as one JSON object`,
    );
  const parsed = t.schema.safeParse(input ?? {});
  if (!parsed.success) return fail(`invalid input for ${name}: ${describeIssues(parsed.error)}`);
  try {
    return await t.run(parsed.data, ctx);
  } catch (e) {
    return fail(`${name} failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}
