import { BatchStatus } from '@batchactions/core';
import { prepareJob } from '@batchactions/core/testing';
import type { PostgresStateStore } from '@batchactions/state-postgres';
import { expect, it } from 'vitest';
import { Statements } from '../../state-sql/src/statements';
import { schemaTables } from '../src/tables';
import { createTestPool } from '../../../tests/support/postgres';
import { storePerTest } from '../../../tests/support/postgres-store-per-test';

let store: PostgresStateStore;
storePerTest((made) => (store = made), { batchPayloads: true });

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly 'Actual Rows'?: number;
  readonly 'Rows Removed by Filter'?: number;
  readonly 'Rows Removed by Join Filter'?: number;
  readonly Plans?: readonly PlanNode[];
}

function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

/** The executed plan of `sql`, in a transaction rolled back (the claim is not kept). */
async function executedPlan(sql: string, values: unknown[]): Promise<PlanNode[]> {
  const pool = createTestPool(1);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
      values,
    );
    await client.query('ROLLBACK');
    return nodesOf((rows[0] as { 'QUERY PLAN': { Plan: PlanNode }[] })['QUERY PLAN'][0]!.Plan);
  } finally {
    client.release();
    await pool.end();
  }
}

it("claims a batch with a payload reading only its rows, not the job's other batches", async () => {
  // Every claim used to read all payload and outcome rows of the job (the batch id compared in
  // the ids' collation "C", which the payload tables' keys do not index), and the batch's UPDATE
  // the job's batch rows: a claim's work grew with the job's batches.
  const { jobId } = await prepareJob(store, 40, 2, { useRegisterBatch: true });
  for (let n = 0; n < 20; n += 1) {
    const claim = await store.claimBatch(jobId, 'w');
    if (!claim.claimed) throw new Error('expected a batch');
    const { batchId, attempt } = claim.reservation;
    const records = await store.getBatchRecords(jobId, batchId);
    await store.completeBatch(
      { jobId, batchId, workerId: 'w', attempt: attempt ?? 1 },
      records.map((record) => ({ ...record, status: 'processed' as const })),
      { status: BatchStatus.COMPLETED, processedCount: 2, failedCount: 0 },
    );
  }
  // Outcomes exist for 20 batches, payloads for 40: a scan on the job id alone would see them.
  const sql = new Statements('postgres', schemaTables(store.schema).store);
  for (const claimSql of [sql.claimBatchPostgres(), sql.claimCappedBatchPostgres()]) {
    const nodes = await executedPlan(claimSql, [jobId, 'w2']);
    const scans = nodes.filter((node) =>
      ['batch_payloads', 'batch_outcomes', 'batches'].includes(node['Relation Name'] ?? ''),
    );
    expect(scans.length).toBeGreaterThan(0);
    for (const scan of scans) {
      // A batch counted for the cap is read by the status index (PROCESSING: none here).
      expect(scan['Actual Rows'], scan['Node Type']).toBeLessThanOrEqual(1);
      expect(scan['Rows Removed by Filter'] ?? 0, scan['Node Type']).toBe(0);
    }
    for (const node of nodes) expect(node['Rows Removed by Join Filter'] ?? 0).toBe(0);
  }
});
