import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '@batchactions/core';
import {
  betterSqlite3Dialect,
  SqliteDatabaseClosedError,
  type BetterSqlite3Constructor,
  type BetterSqlite3OpenOptions,
  type Sqlite3Database,
  type Sqlite3StatementResult,
} from '@batchactions/state-sequelize';
import { Sequelize, TimeoutError } from 'sequelize';

// The adapter as Sequelize calls it. Its use by Sequelize as a whole is the SQLite run of the
// conformance suite and of every Sequelize test (tests/support/databases.ts uses it).

let dir: string;
let file: string;
const opened: Sqlite3Database[] = [];
const holders: Database.Database[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ba-better-sqlite3-dialect-'));
  file = join(dir, 'db.sqlite');
});

afterEach(async () => {
  for (const db of opened.splice(0)) {
    if (db.open)
      await new Promise<void>((resolve) =>
        db.close(() => {
          resolve();
        }),
      );
  }
  for (const holder of holders.splice(0)) holder.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  readonly error: Error | null;
  readonly rows: unknown;
  readonly self: Sqlite3StatementResult;
}

function open(
  module = betterSqlite3Dialect(Database),
  mode: number = module.OPEN_READWRITE | module.OPEN_CREATE,
): Promise<Sqlite3Database> {
  return new Promise((resolve, reject) => {
    const db = new module.Database(file, mode, (error) => {
      if (error) reject(error);
      else resolve(db);
    });
    opened.push(db);
  });
}

function call(
  db: Sqlite3Database,
  method: 'run' | 'all' | 'get',
  sql: string,
  ...parameters: unknown[]
): Promise<Outcome> {
  return new Promise((resolve) => {
    db[method](
      sql,
      ...parameters,
      function (this: Sqlite3StatementResult, error: Error | null, rows?: unknown) {
        resolve({ error, rows, self: this });
      },
    );
  });
}

async function ok(
  db: Sqlite3Database,
  method: 'run' | 'all' | 'get',
  sql: string,
  ...p: unknown[]
) {
  const outcome = await call(db, method, sql, ...p);
  if (outcome.error) throw outcome.error;
  return outcome;
}

describe('betterSqlite3Dialect: the sqlite3 API Sequelize calls', () => {
  it('run reports lastID and changes as own properties of a Statement; all does not', async () => {
    const db = await open();
    await ok(db, 'run', 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    const insert = await ok(db, 'run', 'INSERT INTO t (v) VALUES ($1), ($2)', { $1: 'a', $2: 'b' });
    expect(insert.self.constructor.name).toBe('Statement');
    expect(Object.hasOwn(insert.self, 'lastID')).toBe(true);
    expect(insert.self).toMatchObject({ lastID: 2, changes: 2 });
    const select = await ok(db, 'all', 'SELECT v FROM t ORDER BY id');
    expect(select.rows).toEqual([{ v: 'a' }, { v: 'b' }]);
    expect(Object.hasOwn(select.self, 'lastID')).toBe(false);
    expect((await ok(db, 'get', 'SELECT v FROM t WHERE id = ?', 2)).rows).toEqual({ v: 'b' });
    expect((await ok(db, 'get', 'SELECT v FROM t WHERE id = ?', [3])).rows).toBeUndefined();
  });

  it('binds values as sqlite3 does: small integers as INTEGER, booleans as 1/0, dates as ms', async () => {
    const db = await open();
    const at = new Date('2026-01-02T03:04:05.678Z');
    const { rows } = await ok(
      db,
      'get',
      'SELECT typeof(?) AS t1, ? AS v1, typeof(?) AS t2, ? AS v3, ? AS v4, ? AS v5, CAST(? AS TEXT) AS s1',
      [7, 7, 1.5, true, at, undefined, 7],
    );
    expect(rows).toEqual({
      t1: 'integer',
      v1: 7,
      t2: 'real',
      v3: 1,
      v4: at.getTime(),
      v5: null,
      s1: '7',
    });
    const named = await ok(db, 'get', 'SELECT typeof($a) AS t, $a + :b AS sum', { $a: 2, ':b': 3 });
    expect(named.rows).toEqual({ t: 'integer', sum: 5 });
  });

  it('answers [] from all, undefined from get, for a statement without rows', async () => {
    const db = await open();
    expect((await ok(db, 'all', 'CREATE TABLE t (v TEXT)')).rows).toEqual([]);
    expect((await ok(db, 'get', 'INSERT INTO t (v) VALUES (1)')).rows).toBeUndefined();
    expect((await ok(db, 'all', 'SELECT count(*) AS n FROM t')).rows).toEqual([{ n: 1 }]);
  });

  it('refuses several statements in run and runs them in exec', async () => {
    const db = await open();
    const refused = await call(db, 'run', 'CREATE TABLE a (v); CREATE TABLE b (v)');
    expect(refused.error?.message).toMatch(/more than one statement/);
    await new Promise<void>((resolve, reject) =>
      db.exec('CREATE TABLE a (v); CREATE TABLE b (v)', (error) => {
        if (error) reject(error);
        else resolve();
      }),
    );
    const { rows } = await ok(db, 'all', "SELECT name FROM sqlite_master WHERE type = 'table'");
    expect(rows).toEqual([{ name: 'a' }, { name: 'b' }]);
  });

  it('calls back in a later turn, in call order', async () => {
    const db = await open();
    const order: string[] = [];
    db.run('CREATE TABLE t (v)', () => order.push('create'));
    db.run('INSERT INTO t VALUES (1)', () => order.push('insert'));
    const last = call(db, 'all', 'SELECT v FROM t');
    order.push('after the calls');
    expect((await last).rows).toEqual([{ v: 1 }]);
    expect(order).toEqual(['after the calls', 'create', 'insert']);
  });

  it('emits an error that no callback was given for', async () => {
    const db = await open();
    const emitted = new Promise<Error>((resolve) => db.once('error', resolve));
    db.run('SELECT * FROM missing_table');
    expect((await emitted).message).toMatch(/no such table/);
  });
});

describe('betterSqlite3Dialect: a database locked by another connection', () => {
  /**
   * better-sqlite3 connections that tell when one of their statements was refused with
   * SQLITE_BUSY: the test acts only after the adapter has met the lock.
   */
  function refusalSignalling(): { Connection: BetterSqlite3Constructor; refused: Promise<void> } {
    let signal: () => void = () => undefined;
    const refused = new Promise<void>((resolve) => (signal = resolve));
    const Connection = function (filename: string, options: BetterSqlite3OpenOptions) {
      const connection = new Database(filename, options);
      return {
        prepare: (sql: string) => {
          const statement = connection.prepare(sql);
          return {
            reader: statement.reader,
            run: (...args: unknown[]) => {
              try {
                return statement.run(...args);
              } catch (error) {
                if ((error as { code?: string }).code === 'SQLITE_BUSY') signal();
                throw error;
              }
            },
            all: (...args: unknown[]) => statement.all(...args),
            get: (...args: unknown[]) => statement.get(...args),
          };
        },
        exec: (sql: string) => connection.exec(sql),
        close: () => connection.close(),
      };
    } as unknown as BetterSqlite3Constructor;
    return { Connection, refused };
  }

  it('retries a statement refused with SQLITE_BUSY until the lock is released, later calls behind it', async () => {
    const { Connection, refused } = refusalSignalling();
    const db = await open(betterSqlite3Dialect(Connection));
    await ok(db, 'run', 'CREATE TABLE t (v INTEGER)');
    const holder = new Database(file);
    holders.push(holder);
    holder.exec('BEGIN IMMEDIATE');
    holder.exec('INSERT INTO t VALUES (1)');

    const blocked = call(db, 'run', 'INSERT INTO t VALUES (2)');
    const behind = call(db, 'all', 'SELECT v FROM t ORDER BY v');
    await refused;
    // The adapter has met the lock and waits (on a timer, the event loop free): release it.
    holder.exec('COMMIT');

    expect((await blocked).error).toBeNull();
    expect((await behind).rows).toEqual([{ v: 1 }, { v: 2 }]);
  });

  it('fails with SQLITE_BUSY after busyTimeoutMs (Sequelize: TimeoutError)', async () => {
    const sequelize = new Sequelize({
      dialect: 'sqlite',
      storage: file,
      logging: false,
      dialectModule: betterSqlite3Dialect(Database, { busyTimeoutMs: 0 }),
    });
    try {
      await sequelize.query('CREATE TABLE t (v INTEGER)');
      const holder = new Database(file);
      holders.push(holder);
      holder.exec('BEGIN IMMEDIATE');
      await expect(sequelize.query('INSERT INTO t VALUES (1)')).rejects.toThrow(TimeoutError);
      holder.exec('ROLLBACK');
      await sequelize.query('INSERT INTO t VALUES (1)');
    } finally {
      await sequelize.close();
    }
  });
});

describe('betterSqlite3Dialect: opening and closing', () => {
  it('does not create a missing file without OPEN_CREATE; the failed connection is closed', async () => {
    const module = betterSqlite3Dialect(Database);
    await expect(open(module, module.OPEN_READWRITE)).rejects.toThrow(/unable to open|exist/i);
    const db = opened.at(-1);
    expect(db?.open).toBe(false);
    const outcome = await call(db as Sqlite3Database, 'all', 'SELECT 1');
    expect(outcome.error).toBeInstanceOf(SqliteDatabaseClosedError);
  });

  it('opens read-only with OPEN_READONLY', async () => {
    const module = betterSqlite3Dialect(Database);
    await ok(await open(module), 'run', 'CREATE TABLE t (v)');
    const readonly = await open(module, module.OPEN_READONLY);
    expect((await call(readonly, 'run', 'INSERT INTO t VALUES (1)')).error?.message).toMatch(
      /readonly/,
    );
  });

  it('refuses open flags it does not implement, naming the option', async () => {
    await expect(open(betterSqlite3Dialect(Database), 0x2 | 0x4 | 0x40)).rejects.toThrow(
      InvalidOptionError,
    );
  });

  it('closes after the calls queued before, and refuses calls after', async () => {
    const db = await open();
    const insert = call(db, 'run', 'CREATE TABLE t (v)');
    const closed = new Promise<Error | null>((resolve) => db.close(resolve));
    const late = call(db, 'all', 'SELECT 1');
    expect((await insert).error).toBeNull();
    expect(await closed).toBeNull();
    expect((await late).error).toBeInstanceOf(SqliteDatabaseClosedError);
  });

  it('rejects a bad busyTimeoutMs or a Database that is not a class, naming the option', () => {
    expect(() => betterSqlite3Dialect(Database, { busyTimeoutMs: -1 })).toThrow(/busyTimeoutMs/);
    expect(() => betterSqlite3Dialect('better-sqlite3' as never)).toThrow(InvalidOptionError);
  });
});
