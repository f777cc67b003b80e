/**
 * A session spec for tests of the engine's pure parts: `baseConfig` researched by a 'test' researcher
 * on the local executor with 2 slots; `over` sets the rest (the rungs at least).
 */
import { DEFAULT_SEARCH_SPACE } from '../../src/config/search-space.ts';
import type { TrainConfig } from '../../src/config/train-config.ts';
import { SessionSpec, type SessionSpecInput } from '../../src/research/core/spec.ts';

export function testSpec(
  baseConfig: TrainConfig,
  over: Partial<SessionSpecInput> & Pick<SessionSpecInput, 'rungTokens'>,
): SessionSpec {
  return SessionSpec.parse({
    baseConfig,
    baseSource: 'test',
    searchSpace: DEFAULT_SEARCH_SPACE,
    researcher: 'test',
    executor: 'local',
    parallel: 2,
    ...over,
  });
}
