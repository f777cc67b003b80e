/**
 * What an LLM call costs: tokens -> dollars from a price table (USD per million tokens).
 *
 * Built-in table, from the providers' published pricing pages (platform.claude.com/docs/en/about-claude/
 * pricing and developers.openai.com/api/docs/pricing) as read on 2026-11-22. Prices change: override or
 * extend with FLYWHEEL_LLM_PRICES, a JSON object keyed by model id (or id prefix), e.g.
 *   FLYWHEEL_LLM_PRICES='{"my-model": {"input": 1, "output": 2, "cacheRead": 0.1, "cacheWrite": 1.25}}'
 * Anthropic cache writes are the 5-minute TTL rate (1.25x input); OpenAI has no write premium (its
 * cached input is the cacheRead rate). A model missing from both tables costs 0 (e.g. a local server),
 * and the first call says so in the journal.
 *
 * Token conventions differ by API and are normalised in `Usage`: Anthropic's `input_tokens` excludes
 * cache reads and writes; OpenAI's `prompt_tokens` includes its `cached_tokens`. Here `inputTokens` is
 * always the uncached input only, so cost = sum of each count times its own rate.
 */
import { FlywheelError } from '../errors.ts';

export interface Price {
  input: number; // USD / 1M uncached input tokens
  output: number; // USD / 1M output tokens (reasoning/thinking tokens included)
  cacheRead?: number; // USD / 1M cache-hit input tokens (default: input)
  cacheWrite?: number; // USD / 1M cache-write input tokens (default: input)
}

export interface Usage {
  inputTokens: number; // uncached input
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/** Longest matching prefix wins, so dated ids (claude-sonnet-4-5-20250929) find their family. */
export const PRICES: Record<string, Price> = {
  // Anthropic
  'claude-fable-5-2': { input: 10, output: 50, cacheWrite: 12.5, cacheRead: 0.25 }, // not on the page yet: as 5.1
  'claude-fable-5-1': { input: 10, output: 50, cacheWrite: 12.5, cacheRead: 0.25 },
  'claude-fable-5': { input: 10, output: 50, cacheWrite: 12.5, cacheRead: 1 },
  'claude-mythos-5-2': { input: 10, output: 50, cacheWrite: 12.5, cacheRead: 0.25 },
  'claude-mythos-5-1': { input: 10, output: 50, cacheWrite: 12.5, cacheRead: 0.25 },
  'claude-mythos': { input: 10, output: 50, cacheWrite: 12.5, cacheRead: 1 },
  'claude-opus-5-5': { input: 4, output: 20, cacheWrite: 5, cacheRead: 0.2 },
  'claude-opus-5': { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  'claude-opus-4-5': { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  'claude-opus-4-6': { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  'claude-opus-4-7': { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  'claude-opus-4-8': { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  'claude-opus-4': { input: 15, output: 75, cacheWrite: 18.75, cacheRead: 1.5 }, // 4 and 4.1
  'claude-sonnet-5-5': { input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.1 },
  'claude-sonnet-5': { input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.2 },
  'claude-sonnet-4': { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 }, // 4, 4.5, 4.6
  'claude-haiku-5-5': { input: 0.1, output: 0.5, cacheWrite: 0.125, cacheRead: 0.01 }, // prompts <= 100k tokens
  'claude-haiku-4-5': { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 },
  'claude-3-5-haiku': { input: 0.8, output: 4, cacheWrite: 1, cacheRead: 0.08 },
  // OpenAI (cached input = cacheRead)
  'gpt-5.5': { input: 5, output: 30, cacheRead: 0.5 },
  'gpt-5.4-nano': { input: 0.2, output: 1.25, cacheRead: 0.02 },
  'gpt-5.4-mini': { input: 0.75, output: 4.5, cacheRead: 0.075 },
  'gpt-5.4': { input: 2.5, output: 15, cacheRead: 0.25 },
  'gpt-5-mini': { input: 0.25, output: 2, cacheRead: 0.025 },
  'gpt-5-nano': { input: 0.05, output: 0.4, cacheRead: 0.005 },
  'gpt-5': { input: 1.25, output: 10, cacheRead: 0.125 }, // 5, 5.1, 5.2
  'gpt-4.1-nano': { input: 0.1, output: 0.4, cacheRead: 0.025 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6, cacheRead: 0.1 },
  'gpt-4.1': { input: 2, output: 8, cacheRead: 0.5 },
  'gpt-4o-mini': { input: 0.15, output: 0.6, cacheRead: 0.075 },
  'gpt-4o': { input: 2.5, output: 10, cacheRead: 1.25 },
};

function envPrices(env = process.env): Record<string, Price> {
  const raw = env.FLYWHEEL_LLM_PRICES;
  if (!raw) return {};
  const bad = (why: string) =>
    new FlywheelError(
      'bad_config',
      `FLYWHEEL_LLM_PRICES is not a valid price table: ${why} (expected e.g. {"my-model": {"input": 1, "output": 2}}, USD per million tokens)`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw bad((e as Error).message);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw bad('not a JSON object');
  const rate = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  for (const [k, p] of Object.entries(parsed as Record<string, Partial<Price>>)) {
    if (!rate(p?.input) || !rate(p?.output)) throw bad(`${k} needs numeric input and output`);
    if (
      (p.cacheRead !== undefined && !rate(p.cacheRead)) ||
      (p.cacheWrite !== undefined && !rate(p.cacheWrite))
    )
      throw bad(`${k}: cacheRead and cacheWrite must be numbers >= 0`);
  }
  return parsed as Record<string, Price>;
}

/** Fail fast at start-up (with the researcher's credentials check) on a malformed FLYWHEEL_LLM_PRICES. */
export function checkPriceEnv(env = process.env): void {
  envPrices(env);
}

/** The price of a model id, or undefined when neither table knows it. */
export function priceOf(
  model: string,
  table: Record<string, Price> = { ...PRICES, ...envPrices() },
): Price | undefined {
  const id = model.toLowerCase();
  let best: string | undefined;
  for (const k of Object.keys(table))
    if (id.startsWith(k.toLowerCase()) && (!best || k.length > best.length)) best = k;
  return best ? table[best] : undefined;
}

export function costUsd(u: Usage, p: Price | undefined): number {
  if (!p) return 0;
  const usd =
    u.inputTokens * p.input +
    u.outputTokens * p.output +
    u.cacheReadTokens * (p.cacheRead ?? p.input) +
    u.cacheWriteTokens * (p.cacheWrite ?? p.input);
  return usd / 1e6;
}

export interface CallRecord extends Usage {
  model: string;
  purpose: string; // 'propose' | 'review' | 'fix'
  costUsd: number;
  latencyMs: number;
}

export interface UsageTotals extends Usage {
  calls: number;
  costUsd: number;
  failedCalls: number; // calls that failed even after retries
  model: string;
  capUsd?: number;
  perCall: CallRecord[]; // newest last; the journal keeps all of them
}

/** Session totals of one researcher. `perCall` keeps the last 200 calls (the journal has every one). */
export class CostMeter {
  readonly totals: UsageTotals;
  private readonly prices = new Map<string, Price | undefined>();
  constructor(
    model: string,
    readonly capUsd?: number,
  ) {
    this.totals = {
      calls: 0,
      inputTokens: 0,
      outputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: 0,
      failedCalls: 0,
      model,
      capUsd,
      perCall: [],
    };
  }

  /** Whether the model has a price (a local model usually has none: it costs 0). */
  priced(model = this.totals.model): boolean {
    return this.priceFor(model) !== undefined;
  }

  private priceFor(model: string): Price | undefined {
    if (!this.prices.has(model)) this.prices.set(model, priceOf(model));
    return this.prices.get(model);
  }

  /** Money already spent before this process (a resumed session), counted against the cap. */
  addPrior(costUsd: number, calls: number): void {
    this.totals.costUsd += costUsd;
    this.totals.calls += calls;
  }

  record(u: Usage, purpose: string, latencyMs: number, model = this.totals.model): CallRecord {
    const rec: CallRecord = { ...u, model, purpose, costUsd: costUsd(u, this.priceFor(model)), latencyMs };
    const t = this.totals;
    t.model = model;
    t.calls++;
    t.inputTokens += u.inputTokens;
    t.outputTokens += u.outputTokens;
    t.cacheReadTokens += u.cacheReadTokens;
    t.cacheWriteTokens += u.cacheWriteTokens;
    t.costUsd += rec.costUsd;
    t.perCall.push(rec);
    if (t.perCall.length > 200) t.perCall.shift();
    return rec;
  }

  capReached(): boolean {
    return this.capUsd !== undefined && this.totals.costUsd >= this.capUsd;
  }
}

export const fmtUsd = (x: number) => `$${x < 0.01 ? x.toFixed(4) : x.toFixed(3)}`;
