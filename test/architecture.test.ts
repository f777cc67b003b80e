/**
 * The import graph of src/ (ARCHITECTURE.md "Layers"): no cycle among modules, and the research session
 * is used only from the top (its CLI and the tests). The per-folder direction of imports is checked by
 * ESLint (`no-restricted-imports` in eslint.config.js); a cycle can hide inside one folder, so it is
 * checked here.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [p] : [];
  });
}

/** file -> the src files it imports (relative imports, type-only ones included: a cycle of types is still one). */
function importGraph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  const spec =
    /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;
  for (const f of files) {
    const deps = new Set<string>();
    for (const m of readFileSync(f, 'utf8').matchAll(spec)) {
      const p = resolve(dirname(f), m[1] ?? m[2]);
      const hit = [p, `${p}.ts`, `${p}.tsx`, join(p, 'index.ts')].find(
        (c) => existsSync(c) && statSync(c).isFile(),
      );
      if (hit && known.has(hit)) deps.add(hit);
    }
    graph.set(f, [...deps]);
  }
  return graph;
}

function cycles(graph: Map<string, string[]>): string[] {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const out = new Set<string>();
  const visit = (u: string) => {
    state.set(u, 1);
    stack.push(u);
    for (const v of graph.get(u) ?? []) {
      if (state.get(v) === 1)
        out.add(
          stack
            .slice(stack.indexOf(v))
            .map((x) => relative(root, x))
            .join(' -> '),
        );
      else if (!state.has(v)) visit(v);
    }
    stack.pop();
    state.set(u, 2);
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return [...out];
}

describe('the shape of src/', () => {
  const graph = importGraph(sources(src));

  it('has no import cycle', () => {
    assert.deepEqual(cycles(graph), []);
  });

  it('uses ResearchSession only from its CLI and session-open.ts: nothing else under src/research/ reaches for the session', () => {
    const session = join(src, 'research', 'session.ts');
    const users = [...graph.entries()]
      .filter(([, deps]) => deps.includes(session))
      .map(([f]) => relative(root, f))
      .sort();
    assert.deepEqual(users, ['src/cli/research.ts', 'src/research/session-open.ts']);
  });
});
