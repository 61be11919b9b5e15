import { JobStatus } from '@batchactions/core';
import { makeJobState } from '@batchactions/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresStateStore } from '@batchactions/state-postgres';
import {
  createTestPool,
  createTestSchemaStore,
  dropTestSchemaStore,
  statementRecordingPool,
} from '../../../tests/support/postgres';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A store on a fresh schema whose every statement (its text) is recorded. */
async function countedStore(name: string) {
  const created = await createTestSchemaStore(name);
  cleanups.push(() => dropTestSchemaStore(created));
  const pool = createTestPool(2);
  cleanups.push(() => pool.end());
  const { pool: counted, statements } = statementRecordingPool(pool);
  const store = new PostgresStateStore({ pool: counted, schema: created.schema });
  const jobId = `job-${crypto.randomUUID()}`;
  await store.saveJobState(makeJobState(jobId, JobStatus.PROCESSING, [], 0));
  statements.length = 0;
  return { store, jobId, statements };
}

const claim = (field: string, value: string, recordIndex: number) => ({
  field,
  value,
  recordIndex,
});

describe('PostgresStateStore job-wide unique values', () => {
  it('claims free values with one plain INSERT, and falls back to the conflict-tolerant one when a value is taken', async () => {
    const { store, jobId, statements } = await countedStore('unique plain insert');
    expect(
      await store.claimUniqueValues(jobId, [claim('email', 'a@x', 0), claim('email', 'b@x', 1)]),
    ).toEqual([0, 1]);
    expect(statements).toHaveLength(1);
    expect(statements[0]).not.toMatch(/ON CONFLICT/);

    // One value taken: the plain INSERT fails whole, the fallback claims the free one, and the
    // taken one's holder is read.
    statements.length = 0;
    expect(
      await store.claimUniqueValues(jobId, [claim('email', 'b@x', 5), claim('email', 'c@x', 6)]),
    ).toEqual([1, 6]);
    expect(statements.map((s) => /ON CONFLICT/.test(s))).toEqual([false, true, false]);
    expect(statements[2]).toMatch(/SELECT "field", "valueKey", "recordIndex"/);

    // That job's later claims go straight to the conflict-tolerant statement.
    statements.length = 0;
    expect(await store.claimUniqueValues(jobId, [claim('email', 'd@x', 7)])).toEqual([7]);
    expect(statements.map((s) => /ON CONFLICT/.test(s))).toEqual([true]);

    // A value repeated within one call: the lowest record index keeps it.
    const other = `job-${crypto.randomUUID()}`;
    await store.saveJobState(makeJobState(other, JobStatus.PROCESSING, [], 0));
    expect(
      await store.claimUniqueValues(other, [claim('email', 'z@x', 9), claim('email', 'z@x', 3)]),
    ).toEqual([3, 3]);
  });
});
