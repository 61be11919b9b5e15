import Database from 'better-sqlite3';
import { InvalidOptionError } from '@batchactions/core';
import {
  DEFAULT_BUSY_TIMEOUT_MS,
  SCHEMA_VERSION,
  SCHEMA_VERSION_TABLE,
  SqliteOpenError,
  SqliteSchemaVersionError,
  SqliteStateStore,
  SqliteStoreNotReadyError,
  type SqliteStateStoreOptions,
} from '@batchactions/state-sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../src/sql/schema';
import { tempDb, type TempDb } from './temp-db';

let file: TempDb;
beforeEach(() => {
  file = tempDb('init');
});
afterEach(() => {
  file.remove();
});

function inspect<T>(filename: string, read: (db: Database.Database) => T): T {
  const db = new Database(filename, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

const tablesOf = (db: Database.Database) =>
  (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[]
  ).map((t) => t.name);

describe('SqliteStateStore.initialize', () => {
  it('creates the tables in WAL mode and records the schema version', async () => {
    const store = new SqliteStateStore({ filename: file.filename });
    await store.initialize();
    await store.close();
    inspect(file.filename, (db) => {
      expect(tablesOf(db)).toEqual([
        'batchactions_batch_outcomes',
        'batchactions_batch_payloads',
        'batchactions_batches',
        'batchactions_job_limits',
        'batchactions_jobs',
        'batchactions_records',
        SCHEMA_VERSION_TABLE,
        'batchactions_unique_values',
      ]);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(
        db.prepare(`SELECT version FROM ${SCHEMA_VERSION_TABLE} ORDER BY version`).all(),
      ).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
    });
  });

  it('is idempotent on one store and across stores on the same file, keeping the data', async () => {
    const first = new SqliteStateStore({ filename: file.filename });
    await Promise.all([first.initialize(), first.initialize()]);
    await first.initialize();
    await first.saveJobState({
      id: 'kept',
      config: { batchSize: 1 },
      status: 'CREATED',
      batches: [],
      totalRecords: 0,
    });
    const second = new SqliteStateStore({ filename: file.filename });
    await second.initialize();
    expect((await second.getJobState('kept'))?.status).toBe('CREATED');
    await first.close();
    await second.close();
    inspect(file.filename, (db) => {
      expect(db.prepare(`SELECT count(*) AS n FROM ${SCHEMA_VERSION_TABLE}`).get()).toEqual({
        n: MIGRATIONS.length,
      });
    });
  });

  it('refuses a database written by a newer schema version', async () => {
    const store = new SqliteStateStore({ filename: file.filename });
    await store.initialize();
    await store.close();
    const db = new Database(file.filename);
    db.prepare(`INSERT INTO ${SCHEMA_VERSION_TABLE} (version, applied_at) VALUES (?, ?)`).run(
      SCHEMA_VERSION + 1,
      Date.now(),
    );
    db.close();

    const newer = new SqliteStateStore({ filename: file.filename });
    const failure = await newer.initialize().then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(SqliteSchemaVersionError);
    expect(failure).toMatchObject({
      code: 'SQLITE_SCHEMA_TOO_NEW',
      foundVersion: SCHEMA_VERSION + 1,
      supportedVersion: SCHEMA_VERSION,
    });
    expect(String(failure)).toContain(file.filename);
    await expect(newer.getJobState('x')).rejects.toBeInstanceOf(SqliteStoreNotReadyError);
  });

  it('upgrades a database created at version 2: stored batch ranges become inclusive, nothing else changes', async () => {
    // The file exactly as version 2 of this package created it (released migrations never change),
    // holding a job of 5 records in batches of 3 with the then exclusive ends.
    const old = new Database(file.filename);
    old.exec(
      `CREATE TABLE ${SCHEMA_VERSION_TABLE} (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`,
    );
    for (const m of MIGRATIONS.filter((m) => m.version <= 2)) {
      old.exec(m.sql);
      old.prepare(`INSERT INTO ${SCHEMA_VERSION_TABLE} VALUES (?, ?)`).run(m.version, Date.now());
    }
    old.exec(`
      INSERT INTO batchactions_jobs (pk, id, status, config, total_records, started_at, distributed)
        VALUES (1, 'old-job', 'PROCESSING', '{"batchSize":3}', 5, 0, 1);
      INSERT INTO batchactions_batches (job_pk, id, batch_index, status, processed_count, failed_count,
                                        record_start, record_end, attempt)
        VALUES (1, 'b0', 0, 'PENDING', 0, 0, 0, 3, 0), (1, 'b1', 1, 'PENDING', 0, 0, 3, 5, 0);
      INSERT INTO batchactions_records (job_pk, record_index, batch_id, status, raw)
        VALUES (1, 0, 'b0', 'pending', '{"n":0}'), (1, 1, 'b0', 'pending', '{"n":1}'),
               (1, 2, 'b0', 'pending', '{"n":2}'), (1, 3, 'b1', 'pending', '{"n":3}'),
               (1, 4, 'b1', 'pending', '{"n":4}');`);
    old.close();

    const store = new SqliteStateStore({ filename: file.filename });
    await store.initialize();
    try {
      const job = await store.getJobState('old-job');
      expect(job?.batches.map((b) => [b.id, b.recordStartIndex, b.recordEndIndex])).toEqual([
        ['b0', 0, 2],
        ['b1', 3, 4],
      ]);
      expect(await store.claimBatch('old-job', 'w1')).toMatchObject({
        claimed: true,
        reservation: { batchId: 'b0', recordStartIndex: 0, recordEndIndex: 2 },
      });
      // Every record of each batch is still found through its (now inclusive) range.
      expect((await store.getBatchRecords('old-job', 'b0')).map((r) => r.raw)).toEqual([
        { n: 0 },
        { n: 1 },
        { n: 2 },
      ]);
      expect((await store.getBatchRecords('old-job', 'b1')).map((r) => r.index)).toEqual([3, 4]);
    } finally {
      await store.close();
    }
    expect(
      inspect(file.filename, (db) =>
        db.prepare(`SELECT max(version) AS v FROM ${SCHEMA_VERSION_TABLE}`).get(),
      ),
    ).toEqual({ v: SCHEMA_VERSION });
  });

  it('names the file it cannot open', async () => {
    const missing = `${file.filename}-no-such-dir/state.db`;
    const store = new SqliteStateStore({ filename: missing });
    const failure = await store.initialize().then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(SqliteOpenError);
    expect(String(failure)).toContain(missing);
    expect((failure as SqliteOpenError).cause).toBeInstanceOf(Error);
  });

  it('rejects calls before initialize() and after close() with a message naming the fix', async () => {
    const store = new SqliteStateStore({ filename: file.filename });
    await expect(store.claimBatch('job', 'w')).rejects.toThrow(/call await store.initialize\(\)/);
    await store.initialize();
    await store.close();
    await store.close();
    await expect(store.getJobState('job')).rejects.toThrow(/after close\(\)/);
    await expect(store.initialize()).rejects.toBeInstanceOf(SqliteStoreNotReadyError);
  });

  it('configures a handle passed as `database` and leaves it open on close()', async () => {
    const db = new Database(file.filename);
    const store = new SqliteStateStore({ database: db, busyTimeoutMs: 12_345 });
    await store.initialize();
    expect(db.pragma('busy_timeout', { simple: true })).toBe(12_345);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    await store.close();
    expect(db.open).toBe(true);
    expect(tablesOf(db)).toContain('batchactions_jobs');
    db.close();
  });

  it("sets the page cache to cacheSizeKiB when given, and leaves the connection's own otherwise", async () => {
    const sized = new Database(file.filename);
    const store = new SqliteStateStore({ database: sized, cacheSizeKiB: 2000 });
    await store.initialize();
    // Negative: KiB (a positive cache_size counts pages).
    expect(sized.pragma('cache_size', { simple: true })).toBe(-2000);
    await store.close();
    sized.close();

    const untouched = new Database(file.filename);
    const before = untouched.pragma('cache_size', { simple: true });
    const plain = new SqliteStateStore({ database: untouched });
    await plain.initialize();
    expect(untouched.pragma('cache_size', { simple: true })).toBe(before);
    expect(before).toBe(-16000); // better-sqlite3's own, what the option's TSDoc says
    await plain.close();
    untouched.close();
  });

  it('sets busy_timeout to 30 s by default', async () => {
    const db = new Database(file.filename);
    const store = new SqliteStateStore({ database: db });
    await store.initialize();
    expect(db.pragma('busy_timeout', { simple: true })).toBe(DEFAULT_BUSY_TIMEOUT_MS);
    expect(DEFAULT_BUSY_TIMEOUT_MS).toBe(30_000);
    await store.close();
    db.close();
  });
});

describe('SqliteStateStore options', () => {
  const bad: [string, unknown, RegExp][] = [
    ['neither filename nor database', {}, /"filename"/],
    ['both filename and database', { filename: 'a.db', database: {} }, /not both/],
    ['an empty filename', { filename: ' ' }, /"filename".*non-empty/],
    ['a database that is no handle', { database: { prepare: 1 } }, /"database"/],
    ['a negative busy timeout', { filename: 'a.db', busyTimeoutMs: -1 }, /"busyTimeoutMs"/],
    ['a fractional busy timeout', { filename: 'a.db', busyTimeoutMs: 1.5 }, /"busyTimeoutMs"/],
    ['a page cache of 0', { filename: 'a.db', cacheSizeKiB: 0 }, /"cacheSizeKiB"/],
    ['a fractional page cache', { filename: 'a.db', cacheSizeKiB: 1.5 }, /"cacheSizeKiB"/],
    ['a page cache as text', { filename: 'a.db', cacheSizeKiB: '2000' }, /"cacheSizeKiB"/],
    ['a null page cache', { filename: 'a.db', cacheSizeKiB: null }, /"cacheSizeKiB"/],
  ];
  it.each(bad)('rejects %s with InvalidOptionError', (_label, options, message) => {
    const build = () => new SqliteStateStore(options as SqliteStateStoreOptions);
    expect(build).toThrow(InvalidOptionError);
    expect(build).toThrow(message);
  });
});
