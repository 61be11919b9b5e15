import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { BatchStatus, createBatch, createPendingRecord, JobStatus } from '@batchactions/core';
import {
  readSqliteSchemaVersion,
  SCHEMA_VERSION,
  SCHEMA_VERSION_TABLE,
  SqliteStateStore,
} from '@batchactions/state-sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../src/migrate';
import { MIGRATIONS } from '../src/sql/schema';
import { tempDb, type TempDb } from './temp-db';

let file: TempDb;
beforeEach(() => {
  file = tempDb('created-at');
});
afterEach(() => {
  file.remove();
});

/** The file exactly as version 5 of this package created it, with `rows` inserted. */
function createVersion5File(filename: string, rows: string): void {
  const old = new Database(filename);
  try {
    old.exec(
      `CREATE TABLE ${SCHEMA_VERSION_TABLE} (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`,
    );
    for (const m of MIGRATIONS.filter((m) => m.version <= 5)) {
      old.exec(m.sql);
      old.prepare(`INSERT INTO ${SCHEMA_VERSION_TABLE} VALUES (?, ?)`).run(m.version, Date.now());
    }
    old.exec(rows);
  } finally {
    old.close();
  }
}

function newJob(id: string) {
  return {
    id,
    config: { batchSize: 2 },
    status: JobStatus.CREATED,
    batches: [],
    totalRecords: 0,
    distributed: true,
  } as const;
}

describe('createdAt (schema version 7)', () => {
  it('upgrades a version 5 file: old jobs have no createdAt, new ones get it once and keep it', async () => {
    createVersion5File(
      file.filename,
      `INSERT INTO batchactions_jobs (id, status, config, total_records, started_at, distributed)
       VALUES ('old', 'PROCESSING', '{"batchSize":2}', 0, 1000, 1);`,
    );
    expect(readSqliteSchemaVersion(file.filename)).toBe(5);
    const store = new SqliteStateStore({ filename: file.filename });
    expect(await store.readSchemaVersion()).toEqual({ current: 5, expected: SCHEMA_VERSION });
    await store.initialize();
    expect(await store.readSchemaVersion()).toEqual({
      current: SCHEMA_VERSION,
      expected: SCHEMA_VERSION,
    });
    try {
      const old = await store.getJobDetails('old');
      expect(old?.createdAt).toBeUndefined();
      expect(old?.startedAt).toBe(1000);

      const before = Date.now();
      await store.createJobIfAbsent(newJob('new'));
      const after = Date.now();
      const created = (await store.getJobDetails('new'))?.createdAt;
      expect(created).toBeGreaterThanOrEqual(before);
      expect(created).toBeLessThanOrEqual(after);
      // A later save of the job (as the published prepare does) keeps the first time.
      await store.saveJobState({ ...newJob('new'), status: JobStatus.PROCESSING, startedAt: 5 });
      expect((await store.getJobDetails('new'))?.createdAt).toBe(created);
      const listed = await store.listJobs();
      expect(listed.find((e) => e.jobId === 'new')?.createdAt).toBe(created);
      expect(listed.find((e) => e.jobId === 'old')).not.toHaveProperty('createdAt');
    } finally {
      await store.close();
    }
  });

  it('applies a migration numbered below the highest one applied (numbers taken side by side)', () => {
    // Version 6 comes from a change made beside version 7: a file may have reached 7 without
    // it. Use the real version 6 once it exists, else one made up for the test.
    const six = MIGRATIONS.find((m) => m.version === 6) ?? {
      version: 6,
      description: 'made beside 7',
      sql: 'ALTER TABLE batchactions_jobs ADD COLUMN six INTEGER;',
    };
    // Up to version 7: version 8 rebuilds the tables from the columns of 6 and 7, after them.
    const withSix = [...MIGRATIONS.filter((m) => m.version !== 6 && m.version <= 7), six].sort(
      (a, b) => a.version - b.version,
    );
    // The file as a version without 6 left it: every other migration applied and recorded.
    const db = new Database(file.filename);
    try {
      db.exec(
        `CREATE TABLE ${SCHEMA_VERSION_TABLE} (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`,
      );
      for (const m of withSix.filter((m) => m.version !== 6)) {
        db.exec(m.sql);
        db.prepare(`INSERT INTO ${SCHEMA_VERSION_TABLE} VALUES (?, ?)`).run(m.version, 0);
      }
      const before = new Set(
        (
          db.prepare(`SELECT name FROM pragma_table_info('batchactions_jobs')`).all() as {
            name: string;
          }[]
        ).map((c) => c.name),
      );
      expect(migrate(db, file.filename, withSix)).toBe(7);
      const versions = db
        .prepare(`SELECT version FROM ${SCHEMA_VERSION_TABLE} ORDER BY version`)
        .all();
      expect(versions).toEqual(withSix.map((m) => ({ version: m.version })));
      if (six.description === 'made beside 7') {
        expect(before.has('six')).toBe(false);
        const columns = db.prepare(`SELECT name FROM pragma_table_info('batchactions_jobs')`).all();
        expect(columns).toContainEqual({ name: 'six' });
      }
      // Applied once: a second run changes nothing.
      migrate(db, file.filename, withSix);
      expect(db.prepare(`SELECT count(*) AS n FROM ${SCHEMA_VERSION_TABLE}`).get()).toEqual({
        n: withSix.length,
      });
    } finally {
      db.close();
    }
  });

  it('reads 0 as the schema version of a file without the tables, creating nothing', () => {
    new Database(file.filename).close();
    expect(readSqliteSchemaVersion(file.filename)).toBe(0);
    const db = new Database(file.filename);
    try {
      expect(db.prepare(`SELECT count(*) AS n FROM sqlite_master`).get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });
});

describe('reclaimSpace', () => {
  async function fill(store: SqliteStateStore, jobId: string, records: number): Promise<void> {
    await store.createJobIfAbsent(newJob(jobId));
    const rows = Array.from({ length: records }, (_, i) =>
      createPendingRecord(i, { payload: `${jobId}-${i}-${'x'.repeat(200)}` }),
    );
    const batch = createBatch(`${jobId}-b0`, 0, rows);
    await store.registerBatch(jobId, { ...batch, status: BatchStatus.PENDING });
  }

  it('gives the pages of a purged job back on a new file (incremental auto-vacuum)', async () => {
    const store = new SqliteStateStore({ filename: file.filename });
    await store.initialize();
    try {
      await fill(store, 'big', 5000);
      await store.reclaimSpace();
      const full = statSync(file.filename).size;
      expect(await store.deleteJob('big')).toBe(true);
      const result = await store.reclaimSpace();
      expect(result.mode).toBe('incremental');
      expect(result.freePagesAfter).toBe(0);
      expect(result.bytesAfter).toBeLessThan(result.bytesBefore / 4);
      expect(statSync(file.filename).size).toBeLessThan(full / 4);
    } finally {
      await store.close();
    }
  });

  it('gives nothing back incrementally on a file created without auto-vacuum; full rewrites it and turns it on', async () => {
    createVersion5File(file.filename, '');
    const store = new SqliteStateStore({ filename: file.filename });
    await store.initialize();
    try {
      await fill(store, 'big', 5000);
      expect(await store.deleteJob('big')).toBe(true);
      const incremental = await store.reclaimSpace();
      expect(incremental.mode).toBe('none');
      expect(incremental.bytesAfter).toBe(incremental.bytesBefore);
      const full = await store.reclaimSpace({ full: true });
      expect(full.mode).toBe('full');
      expect(full.bytesAfter).toBeLessThan(full.bytesBefore / 4);
      await fill(store, 'again', 5000);
      await store.deleteJob('again');
      expect((await store.reclaimSpace()).mode).toBe('incremental');
    } finally {
      await store.close();
    }
  });
});
