import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Imports point down (ARCHITECTURE.md "Layers"): cli -> server, research -> researchers, runs, executors,
 * monitor, stats, sandbox -> store, config, data -> errors, home. A folder may not import from a layer
 * above it; test/architecture.test.ts checks there is no cycle, which can hide inside one folder.
 */
const above = (...folders) =>
  folders.flatMap((f) => [`**/${f}/*.ts`, `**/${f}/*/*.ts`, `**/${f}/*/*/*.ts`, `**/${f}.ts`]);
const layer = (files, forbidden, message, allow = []) => ({
  files,
  ignores: ['**/*.test.ts', '**/*.test.tsx'],
  rules: {
    'no-restricted-imports': [
      'error',
      { patterns: [{ group: [...above(...forbidden), ...allow.map((a) => `!${a}`)], message }] },
    ],
  },
});
// Flat config replaces a rule's options per file, so research/'s own blocks repeat its layer pattern.
const researchLayer = {
  group: above('cli', 'server'),
  message: 'the research engine is below the CLI and the server',
};
const layers = [
  layer(['src/server/**'], ['cli'], 'the server is below the CLI'),
  layer(['src/research/**'], ['cli', 'server'], 'the research engine is below the CLI and the server'),
  layer(
    ['src/report/**'],
    ['cli', 'server'],
    'session reports are below the CLI and the server that serve them',
  ),
  // The researchers' tools dry-run the engine's own admission and code-edit rules (pure, below the loop).
  layer(
    ['src/researchers/**'],
    ['cli', 'server', 'research'],
    'researchers are below the research engine: it calls them, not the other way round',
    ['**/research/core/proposals.ts', '**/research/io/code-edits.ts', '**/research/io/code-guard.ts'],
  ),
  layer(
    ['src/runs/**', 'src/executors/**', 'src/monitor/**', 'src/stats/**', 'src/sandbox/**'],
    ['cli', 'server', 'research', 'researchers'],
    'runs, executors, monitor, stats and the sandbox are below the research engine and the researchers',
  ),
  layer(
    ['src/store/**', 'src/config/**', 'src/data/**'],
    ['cli', 'server', 'research', 'researchers', 'runs', 'executors', 'monitor', 'sandbox'],
    'store, config and data are the bottom layers (above errors and home only)',
  ),
  layer(['src/errors.ts', 'src/home.ts'], ['*'], 'errors and home import nothing of the project'),
  // Inside research/: core/ is pure (no io, no session); io/ works through its port, never the session.
  {
    files: ['src/research/core/**'],
    ignores: ['**/*.test.ts', 'src/research/core/transitions/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['node:fs', 'node:child_process', 'node:os', 'fs', 'child_process'].map((name) => ({
            name,
            message: 'research/core is pure: no files, processes or machine state (io/ does that)',
          })),
          patterns: [
            researchLayer,
            {
              group: [
                '../io/*',
                '../session.ts',
                '../effects.ts',
                '../journal.ts',
                '../view.ts',
                '../setup.ts',
                '../summary.ts',
                '**/store/open.ts',
                '**/runs/launch.ts',
              ],
              message: 'research/core is pure: transitions return effects; io/ and session.ts act on them',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/research/core/transitions/**'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['node:fs', 'node:child_process', 'node:os', 'fs', 'child_process'].map((name) => ({
            name,
            message: 'research/core is pure: no files, processes or machine state (io/ does that)',
          })),
          patterns: [
            researchLayer,
            {
              group: [
                '../../io/*',
                '../../session.ts',
                '../../effects.ts',
                '../../journal.ts',
                '../../view.ts',
                '../../setup.ts',
                '../../summary.ts',
                '**/store/open.ts',
                '**/runs/launch.ts',
              ],
              message: 'research/core is pure: transitions return effects; io/ and session.ts act on them',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/research/io/**', 'src/research/*.ts'],
    ignores: ['src/research/session.ts', 'src/research/session-open.ts', '**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            researchLayer,
            {
              group: ['**/session.ts'],
              message:
                'only session.ts, session-open.ts (and their CLI) use ResearchSession; io/ works through io/port.ts',
            },
          ],
        },
      ],
    },
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'web/dist/', '.flywheel/', 'test-output/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  ...layers,
);
