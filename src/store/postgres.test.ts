import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { isFlywheelError } from '../errors.ts';
import { PostgresStore } from './postgres.ts';
import { runStoreSuite } from './store-suite.ts';
import { newRun } from './store-suite-helpers.ts';

// scripts/start-postgres.sh prints a URL for this; CI exports it.
const url = process.env.FLYWHEEL_TEST_PG_URL;
const schemas: string[] = [];
const skip = url
  ? false
  : 'FLYWHEEL_TEST_PG_URL is not set (run scripts/start-postgres.sh and export the URL it prints)';
// A skipped suite counts no tests; this line makes the skip show up in the runner's totals.
if (skip) it('runs the store suite against a real PostgreSQL', { skip }, () => {});

// Each test gets a fresh schema in the test database, dropped when the file is done.
runStoreSuite(
  'postgres store',
  async () => {
    const schema = `fw_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    schemas.push(schema);
    const store = await PostgresStore.open({ url: url!, schema });
    await store.migrate();
    return store;
  },
  { skip },
);

after(async () => {
  if (!url || schemas.length === 0) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  for (const s of schemas) await client.query(`drop schema if exists "${s}" cascade`);
  await client.end();
});

describe('postgres store across connections', { skip }, () => {
  it('migrates one fresh schema from four pools at once', async () => {
    const schema = `fw_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    schemas.push(schema);
    const stores = await Promise.all(
      [0, 1, 2, 3].map(() => PostgresStore.open({ url: url!, schema, poolSize: 2 })),
    );
    await Promise.all(stores.map((s) => s.migrate()));
    await Promise.all(stores.map((s, i) => s.createRun(newRun(`r${i}`))));
    assert.equal(await stores[0].countRuns(), 4);
    await Promise.all(stores.map((s) => s.close()));
  });

  it('names the server it could not reach, without the password', async () => {
    await assert.rejects(PostgresStore.open({ url: 'postgres://u:hunter2@127.0.0.1:1/db' }), (e: unknown) => {
      return (
        isFlywheelError(e) &&
        e.code === 'missing_dependency' &&
        /127\.0\.0\.1:1/.test(e.message) &&
        !e.message.includes('hunter2')
      );
    });
  });
});
