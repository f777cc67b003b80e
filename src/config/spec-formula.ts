/**
 * Formulas in a trainer spec (`tokensPerStep: "batch_size * block_size * grad_accum"`): numbers, knob
 * names, + - * / and parentheses. A tiny recursive-descent evaluator, so a spec never reaches `eval`.
 */

type Tok = { kind: 'num'; v: number } | { kind: 'id'; v: string } | { kind: 'op'; v: string };

function lex(src: string): Tok[] | string {
  const out: Tok[] = [];
  const re =
    /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|([-+*/()]))/y;
  let i = 0;
  while (i < src.length) {
    if (/^\s*$/.test(src.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(src);
    if (!m) return `unexpected "${src.slice(i).trim()[0]}" in formula "${src}"`;
    if (m[1] !== undefined) out.push({ kind: 'num', v: Number(m[1]) });
    else if (m[2] !== undefined) out.push({ kind: 'id', v: m[2] });
    else out.push({ kind: 'op', v: m[3] });
    i = re.lastIndex;
  }
  return out;
}

/** Evaluate with `vars`; throws an Error with one line on a bad formula or an unknown name. */
export function evalFormula(src: string, vars: Record<string, unknown>): number {
  const toks = lex(src);
  if (typeof toks === 'string') throw new Error(toks);
  let p = 0;
  const peek = () => toks[p];
  const expr = (): number => {
    let v = term();
    while (peek()?.kind === 'op' && (peek().v === '+' || peek().v === '-'))
      v = toks[p++].v === '+' ? v + term() : v - term();
    return v;
  };
  const term = (): number => {
    let v = factor();
    while (peek()?.kind === 'op' && (peek().v === '*' || peek().v === '/'))
      v = toks[p++].v === '*' ? v * factor() : v / factor();
    return v;
  };
  const factor = (): number => {
    const t = toks[p++];
    if (!t) throw new Error(`formula "${src}" ends early`);
    if (t.kind === 'num') return t.v;
    if (t.kind === 'id') {
      if (!Object.hasOwn(vars, t.v)) throw new Error(`formula "${src}": unknown name "${t.v}"`);
      const v = Number(vars[t.v]);
      if (!Number.isFinite(v)) throw new Error(`formula "${src}": ${t.v} is not a number`);
      return v;
    }
    if (t.v === '-') return -factor();
    if (t.v === '(') {
      const v = expr();
      if (toks[p++]?.v !== ')') throw new Error(`formula "${src}": missing ")"`);
      return v;
    }
    throw new Error(`formula "${src}": unexpected "${t.v}"`);
  };
  const v = expr();
  if (p !== toks.length) throw new Error(`formula "${src}": unexpected "${toks[p].v}"`);
  return v;
}

/** undefined when `src` parses (and, given `names`, uses only those); else why not. */
export function checkFormula(src: string, names?: string[]): string | undefined {
  const toks = lex(src);
  if (typeof toks === 'string') return toks;
  const vars: Record<string, number> = {};
  for (const t of toks) if (t.kind === 'id') vars[t.v] = 1;
  if (names)
    for (const n of Object.keys(vars))
      if (!names.includes(n)) return `formula "${src}": "${n}" is not a knob`;
  try {
    evalFormula(src, vars);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
