import { afterEach, describe, expect, it } from 'vitest';
import type { Sequelize } from 'sequelize';
import { Db, DEADLOCK_ATTEMPTS } from '../../state-sql/src/db';
import { isDeadlock } from '../../state-sql/src/executor';
import { sequelizeExecutor } from '../src/sequelize-executor';
import { createTestDatabase, type TestDatabase } from './support/databases';

/** Resolves once `parties` callers have arrived. */
function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return () => {
    arrived += 1;
    if (arrived === parties) open();
    return opened;
  };
}

// Two transactions lock two rows in opposite orders, each after the other holds its first row:
// the server must pick one as a deadlock victim. The store's transactions run the victim again.
describe.each([
  ['postgres', 'postgres'],
  ['mariadb', 'mysql'],
] as const)('Db.transaction on %s: a deadlock victim runs again', (dialect, family) => {
  let database: TestDatabase;
  let sequelize: Sequelize;

  afterEach(async () => {
    await sequelize.close();
    await database.drop();
  });

  it('both transactions commit, and exactly one ran twice', async () => {
    database = await createTestDatabase(dialect, 'deadlock retry');
    sequelize = database.connect({ pool: { max: 4 } });
    const db = new Db(sequelizeExecutor(sequelize));
    const q = (sql: string) => (family === 'mysql' ? sql.replaceAll('"', '`') : sql);
    await db.exec(q('CREATE TABLE "cells" ("id" INTEGER PRIMARY KEY, "v" INTEGER NOT NULL)'));
    await db.run(q('INSERT INTO "cells" ("id", "v") VALUES (1, 0), (2, 0)'), []);
    const bothHoldOne = barrier(2);
    const runs = { a: 0, b: 0 };
    const write = (first: number, second: number, name: 'a' | 'b') =>
      db.transaction(async (t) => {
        runs[name] += 1;
        await db.run(q('UPDATE "cells" SET "v" = "v" + 1 WHERE "id" = $1'), [first], t);
        // Only the first run of each waits for the other: the rerun must get through.
        if (runs[name] === 1) await bothHoldOne();
        await db.run(q('UPDATE "cells" SET "v" = "v" + 1 WHERE "id" = $1'), [second], t);
      });
    await Promise.all([write(1, 2, 'a'), write(2, 1, 'b')]);
    expect(runs.a + runs.b).toBe(3);
    const rows = await db.select<{ id: number; v: number }>(
      q('SELECT "id", "v" FROM "cells" ORDER BY "id"'),
      [],
    );
    // Each row counted once per transaction: the victim's first run left nothing behind.
    expect(rows.map((r) => r.v)).toEqual([2, 2]);
  });

  it('gives up after DEADLOCK_ATTEMPTS and rethrows the deadlock; other errors are not retried', async () => {
    database = await createTestDatabase(dialect, 'deadlock give up');
    sequelize = database.connect();
    const db = new Db(sequelizeExecutor(sequelize));
    let runs = 0;
    const deadlock = Object.assign(new Error('deadlock'), {
      parent: family === 'mysql' ? { errno: 1213 } : { code: '40P01' },
    });
    expect(isDeadlock(deadlock)).toBe(true);
    await expect(
      db.transaction(() => {
        runs += 1;
        return Promise.reject(deadlock);
      }),
    ).rejects.toBe(deadlock);
    expect(runs).toBe(DEADLOCK_ATTEMPTS);
    runs = 0;
    const other = new Error('not a deadlock');
    await expect(
      db.transaction(() => {
        runs += 1;
        return Promise.reject(other);
      }),
    ).rejects.toBe(other);
    expect(runs).toBe(1);
  });
});
