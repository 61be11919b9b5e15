import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError, JobStatus } from '@batchactions/core';
import { prepareJob } from '@batchactions/core/testing';
import {
  LATEST_SCHEMA_VERSION,
  SchemaVersionError,
  SequelizeStateStore,
  sequelizeExecutor,
  UnsupportedDialectError,
  type MigrationOutcome,
} from '@batchactions/state-sequelize';
import { migratePublishedTables, resolveTableNames } from '@batchactions/state-sql';
import { QueryTypes, type Sequelize } from 'sequelize';
import { reportsOf, requireBuild, startChild } from './support/children';
import { createTestDatabase, DIALECTS, type TestDatabase } from './support/databases';
import { MIGRATIONS } from '../../state-sql/src/migrations';

/** Every schema version, in order: what a new database gets. */
const ALL_VERSIONS = MIGRATIONS.map((m) => m.version);

describe('SequelizeStateStore construction', () => {
  it('rejects something that is not a Sequelize instance with InvalidOptionError', () => {
    expect(() => new SequelizeStateStore({} as never)).toThrow(InvalidOptionError);
    expect(() => new SequelizeStateStore(undefined as never)).toThrow(/Sequelize instance/);
  });

  it('rejects a dialect it has no SQL for with UnsupportedDialectError', () => {
    const mssql = {
      query: () => Promise.resolve([]),
      transaction: () => Promise.resolve(),
      getDialect: () => 'mssql',
    };
    expect(() => new SequelizeStateStore(mssql as never)).toThrow(UnsupportedDialectError);
  });
});

describe.each(DIALECTS)('SequelizeStateStore tables (%s)', (dialect) => {
  let database: TestDatabase;
  const open: Sequelize[] = [];
  const connect = () => {
    const sequelize = database.connect();
    open.push(sequelize);
    return sequelize;
  };
  beforeAll(() => {
    requireBuild();
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    await database.drop();
  });

  it('creates its tables on first use when initialize() was never called, once', async () => {
    database = await createTestDatabase(dialect, 'lazy');
    const store = new SequelizeStateStore(connect());
    const [{ jobId }] = await Promise.all([prepareJob(store, 2, 3), prepareJob(store, 1, 1)]);
    const claim = await store.claimBatch(jobId, 'w');
    expect(claim.claimed).toBe(true);
    expect(await store.migrate()).toEqual({
      fromVersion: 0,
      toVersion: LATEST_SCHEMA_VERSION,
      applied: ALL_VERSIONS,
    });
    expect(await new SequelizeStateStore(connect()).migrate()).toEqual({
      fromVersion: LATEST_SCHEMA_VERSION,
      toVersion: LATEST_SCHEMA_VERSION,
      applied: [],
    });
  });

  it('resolves initialize() with undefined, as published; migrate() resolves what was done', async () => {
    database = await createTestDatabase(dialect, 'init result');
    const store = new SequelizeStateStore(connect());
    await expect(store.initialize()).resolves.toBeUndefined();
    expect(await store.migrate()).toEqual({
      fromVersion: 0,
      toVersion: LATEST_SCHEMA_VERSION,
      applied: ALL_VERSIONS,
    });
    const other = new SequelizeStateStore(connect());
    expect(await other.migrate()).toEqual({
      fromVersion: LATEST_SCHEMA_VERSION,
      toVersion: LATEST_SCHEMA_VERSION,
      applied: [],
    });
    await expect(other.initialize()).resolves.toBeUndefined();
  });

  it('tells up-to-date tables by one read of the versions: no lock, no transaction', async () => {
    database = await createTestDatabase(dialect, 'init fast path');
    await new SequelizeStateStore(connect()).initialize();
    const statements: string[] = [];
    const logged = database.connect({ logging: (sql: string) => statements.push(sql) });
    open.push(logged);
    expect(await new SequelizeStateStore(logged).migrate()).toEqual({
      fromVersion: LATEST_SCHEMA_VERSION,
      toVersion: LATEST_SCHEMA_VERSION,
      applied: [],
    });
    const work = statements.filter((sql) => !/SELECT 1\+1|SET |PRAGMA/i.test(sql));
    expect(work).toHaveLength(1);
    expect(work[0]).toMatch(/SELECT .version. FROM .batchactions_schema_version./);
    expect(statements.join('\n')).not.toMatch(/GET_LOCK|advisory|START TRANSACTION|BEGIN/i);

    // Tables one release behind (the latest migration not applied): the locked path applies it.
    const names = resolveTableNames(undefined);
    await database.drop();
    database = await createTestDatabase(dialect, 'init fast path behind');
    const older = database.connect();
    open.push(older);
    const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
    await migratePublishedTables(sequelizeExecutor(older), names, latest - 1);
    const tracked = database.connect({ logging: (sql: string) => statements.push(sql) });
    open.push(tracked);
    statements.length = 0;
    expect((await new SequelizeStateStore(tracked).migrate()).applied).toEqual([latest]);
    expect(statements.join('\n')).toMatch(/GET_LOCK|advisory|BEGIN|START TRANSACTION/i);
  });

  it('is safe when 4 processes initialise the same new database at once', async () => {
    database = await createTestDatabase(dialect, 'init race');
    const startAt = String(Date.now() + 1500);
    const children = Array.from({ length: 4 }, () =>
      startChild<MigrationOutcome>('initialize.mjs', { ...database.childEnv, START_AT: startAt }),
    );
    const outcomes = reportsOf(await Promise.all(children.map((c) => c.done)));
    expect(outcomes.filter((o) => o.applied.length > 0)).toEqual([
      { fromVersion: 0, toVersion: LATEST_SCHEMA_VERSION, applied: ALL_VERSIONS },
    ]);
    const sequelize = connect();
    const versions = await sequelize.query<{ version: number | string }>(
      dialect === 'postgres'
        ? 'SELECT "version" FROM "batchactions_schema_version" ORDER BY 1'
        : 'SELECT `version` FROM `batchactions_schema_version` ORDER BY 1',
      { type: QueryTypes.SELECT },
    );
    expect(versions.map((v) => Number(v.version))).toEqual(ALL_VERSIONS);
    const store = new SequelizeStateStore(sequelize);
    const { jobId } = await prepareJob(store, 1, 1);
    expect((await store.claimBatch(jobId, 'w')).claimed).toBe(true);
  }, 60_000);

  it('honours tablePrefix, and registers the published models on the Sequelize instance', async () => {
    database = await createTestDatabase(dialect, 'prefix');
    const sequelize = connect();
    const store = new SequelizeStateStore(sequelize, { tablePrefix: 'acme_' });
    expect(store.tables.jobs).toBe('acme_jobs');
    const { jobId } = await prepareJob(store, 1, 2);
    const listing = {
      postgres: `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`,
      mariadb: `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()`,
      sqlite: `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`,
    }[dialect];
    const tables = await sequelize.query<{ name: string }>(listing, { type: QueryTypes.SELECT });
    const names = tables.map((t) => t.name).sort();
    expect(names).toEqual([
      'acme_batch_outcomes',
      'acme_batch_payloads',
      'acme_batches',
      'acme_job_limits',
      'acme_jobs',
      'acme_records',
      'acme_schema_version',
      'acme_unique_values',
    ]);
    const Job = sequelize.models.BatchActionsJob;
    expect(Job?.getTableName()).toBe('acme_jobs');
    const row = (await Job?.findByPk(jobId))?.get({ plain: true }) as
      { status: string } | undefined;
    expect(row?.status).toBe(JobStatus.PROCESSING);
    expect(() => new SequelizeStateStore(sequelize, { tablePrefix: 'bad-prefix;' })).toThrow(
      InvalidOptionError,
    );
  });

  it('refuses tables that a newer version migrated further', async () => {
    database = await createTestDatabase(dialect, 'too new');
    const sequelize = connect();
    await new SequelizeStateStore(sequelize).initialize();
    const q = dialect === 'postgres' ? '"' : '`';
    await sequelize.query(
      `INSERT INTO ${q}batchactions_schema_version${q} (${q}version${q}, ${q}name${q}, ${q}appliedAt${q}) VALUES (99, 'future', 0)`,
    );
    const store = new SequelizeStateStore(connect());
    await expect(store.initialize()).rejects.toBeInstanceOf(SchemaVersionError);
    await expect(store.getJobState('x')).rejects.toBeInstanceOf(SchemaVersionError);
  });
});
