/**
 * `openStore()`: the one way the rest of Flywheel gets a Store. `FLYWHEEL_DB` (or `url`) =
 * `postgres://...` selects Postgres; `sqlite:PATH` or unset selects SQLite, by default at
 * `$FLYWHEEL_HOME/flywheel.db`. The schema is migrated before the store is returned.
 */
import { FlywheelError } from '../errors.ts';
import { dbPath } from '../home.ts';
import type { Store } from './base.ts';

export async function openStore(opts: { home?: string; url?: string } = {}): Promise<Store> {
  const url = opts.url ?? process.env.FLYWHEEL_DB ?? '';
  let store: Store;
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { PostgresStore } = await import('./postgres.ts'); // pg is loaded only when used
    store = await PostgresStore.open({ url });
  } else if (url === '' || url.startsWith('sqlite:')) {
    const { SqliteStore } = await import('./sqlite.ts');
    store = await SqliteStore.open(
      url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : dbPath(opts.home),
    );
  } else {
    throw new FlywheelError(
      'bad_input',
      `FLYWHEEL_DB must be a postgres:// URL or sqlite:PATH, got "${url.split(':')[0]}:..."`,
    );
  }
  try {
    await store.migrate();
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}
