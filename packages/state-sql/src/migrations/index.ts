import type { Db, SqlFamily, Transaction } from '../db';
import type { TableNames } from '../tables';
import type { QuotedTables } from '../sql/tables';
import { batchOutcomes } from './batch-outcomes';
import { batchPayloads } from './batch-payloads';
import { batchRowsFromJobJson } from './batch-rows-from-job-json';
import { claimSeq } from './claim-seq';
import { completionAcknowledgement } from './completion-acknowledgement';
import { earlyOpenAndResume } from './early-open-and-resume';
import { jobCreatedAt } from './job-created-at';
import { jobLimits } from './job-limits';
import { jobSourceAndBatchTimes } from './job-source-and-batch-times';
import { dropPublishedIndexes, leasesAndIds } from './leases-and-ids';
import { prepareAndCompletion } from './prepare-and-completion';
import { publishedTables } from './published-tables';

/** One step of the schema, applied once, in version order. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  /** DDL statements, one per entry (SQLite runs one statement per call). */
  readonly statements: (family: SqlFamily, names: TableNames) => readonly string[];
  /** Data step run after the statements, in the same transaction. */
  readonly after?: (db: Db, t: QuotedTables, transaction: Transaction) => Promise<void>;
}

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'published 0.0.5 tables', statements: publishedTables },
  {
    version: 2,
    name: 'leases, wider ids, unique values',
    statements: leasesAndIds,
    after: dropPublishedIndexes,
  },
  {
    version: 3,
    name: 'batch rows from the job JSON',
    statements: () => [],
    after: batchRowsFromJobJson,
  },
  {
    version: 4,
    name: 'prepare liveness and stored completion',
    statements: prepareAndCompletion,
  },
  { version: 5, name: 'early open and resumable prepare', statements: earlyOpenAndResume },
  {
    version: 6,
    name: 'completion claim time and acknowledgement',
    statements: completionAcknowledgement,
  },
  { version: 7, name: 'job creation time', statements: jobCreatedAt },
  { version: 8, name: 'job-wide limits', statements: jobLimits },
  {
    version: 9,
    name: 'job source name, trace context, batch completion time',
    statements: jobSourceAndBatchTimes,
  },
  { version: 10, name: 'batch payloads', statements: batchPayloads },
  { version: 11, name: 'capped claims in one statement', statements: claimSeq },
  { version: 12, name: 'batch outcomes', statements: batchOutcomes },
];

/** The newest schema version this package writes (the highest migration's). */
export const LATEST_SCHEMA_VERSION = Math.max(...MIGRATIONS.map((migration) => migration.version));
