import { afterEach, describe, expect, it } from 'vitest';
import { Db } from '../../state-sql/src/db';
import { isDeadlock, isUniqueViolation } from '../../state-sql/src/executor';
import { prismaExecutor } from '../src/prisma-executor';
import {
  createTestDatabase,
  type PrismaTestDatabase,
  type TestPrismaClient,
} from './support/databases';

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

// As in the Sequelize package: two transactions lock two rows in opposite orders; the server
// picks a victim, whose error comes through Prisma (P2010 / P2034 with the driver's code in
// `meta.driverAdapterError`), and the store's transaction runs it again.
describe.each([
  ['postgres', 'postgres'],
  ['mariadb', 'mysql'],
] as const)(
  'Db.transaction through Prisma 7 on %s: a deadlock victim runs again',
  (kind, family) => {
    let database: PrismaTestDatabase;
    let prisma: TestPrismaClient;
    afterEach(async () => {
      await prisma.$disconnect();
      await database.drop();
    });

    it('both transactions commit, exactly one ran twice; a unique violation is told apart', async () => {
      database = await createTestDatabase(kind, 'prisma deadlock retry');
      prisma = await database.connect({ poolSize: 4 });
      const db = new Db(
        prismaExecutor(prisma, {
          family,
          transactionTimeoutMs: 30_000,
          transactionMaxWaitMs: 10_000,
        }),
      );
      const q = (sql: string) => (family === 'mysql' ? sql.replaceAll('"', '`') : sql);
      await db.exec(q('CREATE TABLE "cells" ("id" INTEGER PRIMARY KEY, "v" INTEGER NOT NULL)'));
      await db.run(q('INSERT INTO "cells" ("id", "v") VALUES (1, 0), (2, 0)'), []);
      const bothHoldOne = barrier(2);
      const runs = { a: 0, b: 0 };
      const errors: unknown[] = [];
      const write = (first: number, second: number, name: 'a' | 'b') =>
        db.transaction(async (t) => {
          runs[name] += 1;
          await db.run(q('UPDATE "cells" SET "v" = "v" + 1 WHERE "id" = $1'), [first], t);
          if (runs[name] === 1) await bothHoldOne();
          try {
            await db.run(q('UPDATE "cells" SET "v" = "v" + 1 WHERE "id" = $1'), [second], t);
          } catch (error) {
            errors.push(error);
            throw error;
          }
        });
      await Promise.all([write(1, 2, 'a'), write(2, 1, 'b')]);
      expect(runs.a + runs.b).toBe(3);
      expect(errors.map(isDeadlock)).toEqual([true]);
      const rows = await db.select<{ v: number | bigint }>(
        q('SELECT "v" FROM "cells" ORDER BY "id"'),
        [],
      );
      expect(rows.map((r) => Number(r.v))).toEqual([2, 2]);
      const duplicate = await db.run(q('INSERT INTO "cells" ("id", "v") VALUES (1, 0)'), []).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect([isUniqueViolation(duplicate), isDeadlock(duplicate)]).toEqual([true, false]);
    });
  },
);
