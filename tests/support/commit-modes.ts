import { BufferSource, type DistributedStateStore } from '@batchactions/core';
import { DistributedImport } from '@batchactions/distributed';
import { CsvParser } from '@batchactions/import';
import { expect } from 'vitest';

/**
 * What a PostgreSQL store's writes commit with: AFTER ROW triggers, in a test's own schema, that
 * note for every write of a batch row (its new status) and every update of a job row ("job " and
 * its new status) the `synchronous_commit` its transaction had at the end of the statement. An
 * AFTER ROW trigger runs there, after the whole statement, where the commit that follows reads
 * the setting.
 */
export interface CommitMode {
  readonly row: string;
  readonly mode: string;
}

/**
 * Installs the triggers on `batches` and `jobs` (quoted, schema-qualified table names) with a
 * log table in `schema`, through `query` (any client on the same database), and returns a
 * reader that takes the log so far (oldest first) and empties it.
 */
export async function recordCommitModes(
  query: (sql: string) => Promise<readonly unknown[]>,
  tables: { readonly schema: string; readonly batches: string; readonly jobs: string },
): Promise<() => Promise<CommitMode[]>> {
  const s = `"${tables.schema}"`;
  await query(`CREATE TABLE ${s}.commit_modes (n serial, row text, mode text)`);
  await query(`
    CREATE FUNCTION ${s}.note_commit_mode() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO ${s}.commit_modes (row, mode)
      VALUES (CASE TG_ARGV[0] WHEN 'jobs' THEN 'job ' ELSE '' END || NEW."status",
              current_setting('synchronous_commit'));
      RETURN NEW;
    END $$`);
  await query(`
    CREATE TRIGGER note_commit_mode AFTER INSERT OR UPDATE ON ${tables.batches}
    FOR EACH ROW EXECUTE FUNCTION ${s}.note_commit_mode('batches')`);
  await query(`
    CREATE TRIGGER note_commit_mode AFTER UPDATE ON ${tables.jobs}
    FOR EACH ROW EXECUTE FUNCTION ${s}.note_commit_mode('jobs')`);
  return async () => {
    const rows = (await query(
      `WITH taken AS (DELETE FROM ${s}.commit_modes RETURNING n, row, mode)
       SELECT row, mode FROM taken ORDER BY n`,
    )) as CommitMode[];
    return rows.map(({ row, mode }) => ({ row, mode }));
  };
}

/** The batch writes of `modes` (job rows left out). */
export const batchWrites = (modes: readonly CommitMode[]): CommitMode[] =>
  modes.filter((m) => !m.row.startsWith('job '));

/** The job-row writes of `modes`. */
export const jobWrites = (modes: readonly CommitMode[]): CommitMode[] =>
  modes.filter((m) => m.row.startsWith('job '));

/**
 * Runs a job of 8 records in batches of 4 through `stateStore` (a store on PostgreSQL with
 * `asynchronousCommit: true`) and checks, through `modes` (from {@link recordCommitModes}),
 * that every batch registration, claim and completion committed asynchronously and every write
 * of the job row durably, the job's completion among them.
 */
export async function expectAsynchronousBatchCommits(
  stateStore: DistributedStateStore,
  modes: () => Promise<CommitMode[]>,
): Promise<void> {
  const di = new DistributedImport({
    schema: { fields: [{ name: 'id', type: 'string', required: true }] },
    batchSize: 4,
    stateStore,
  });
  const csv = ['id', ...Array.from({ length: 8 }, (_, i) => String(i))].join('\n');
  const { jobId } = await di.prepare(new BufferSource(csv), new CsvParser());
  const prepared = await modes();
  expect(batchWrites(prepared)).toEqual([
    { row: 'PENDING', mode: 'off' },
    { row: 'PENDING', mode: 'off' },
  ]);
  expect(jobWrites(prepared).length).toBeGreaterThan(0);
  expect(jobWrites(prepared).filter((m) => m.mode !== 'on')).toEqual([]);
  let complete = false;
  for (let calls = 0; calls < 5 && !complete; calls += 1) {
    complete = (await di.processWorkerBatch(jobId, () => undefined, 'w')).jobComplete;
  }
  expect(complete).toBe(true);
  const processed = await modes();
  expect(batchWrites(processed)).toEqual([
    { row: 'PROCESSING', mode: 'off' },
    { row: 'COMPLETED', mode: 'off' },
    { row: 'PROCESSING', mode: 'off' },
    { row: 'COMPLETED', mode: 'off' },
  ]);
  expect(jobWrites(processed).map((m) => m.row)).toContain('job COMPLETED');
  expect(jobWrites(processed).filter((m) => m.mode !== 'on')).toEqual([]);
  expect((await di.getStatus(jobId)).progress).toMatchObject({ processedRecords: 8 });
}
