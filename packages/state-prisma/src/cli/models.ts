/** The datasource providers whose schema the reference models fit. */
export type ModelsProvider = 'postgresql' | 'mysql' | 'sqlite';

/** One field line: name, Prisma type and attributes, and the native type (PostgreSQL/MySQL). */
type Field = readonly [name: string, type: string, nativeType?: string];

interface Model {
  readonly name: string;
  readonly table: string;
  readonly fields: readonly Field[];
  /** Block attributes (`@@unique`, `@@index`, `@@id`), without `@@map`. */
  readonly attributes: readonly string[];
}

/**
 * The store's tables at the latest schema version, as Prisma models: the published model and
 * field names (`BatchactionsJob`, `jobId`, ...), the columns later versions added, and the index
 * names the store gives them. The store creates and migrates these tables itself; the models
 * let your code query them through Prisma.
 */
const MODELS: readonly Model[] = [
  {
    name: 'BatchactionsJob',
    table: 'batchactions_jobs',
    fields: [
      ['id', 'String @id', '@db.VarChar(255)'],
      ['status', 'String', '@db.VarChar(20)'],
      ['config', 'Json', '@db.Json'],
      ['batches', 'Json @default("[]")', '@db.Json'],
      ['totalRecords', 'Int @default(0)'],
      ['startedAt', 'BigInt?'],
      ['completedAt', 'BigInt?'],
      ['distributed', 'Boolean @default(false)'],
      ['prepareHeartbeatAt', 'BigInt?'],
      ['prepareFinishedAt', 'BigInt?'],
      ['summary', 'String?', '@db.Text'],
      ['completionClaimant', 'String?', '@db.VarChar(255)'],
      ['prepareOwner', 'String?', '@db.VarChar(255)'],
      ['prepareStoppedAt', 'BigInt?'],
      ['openedEarlyAt', 'BigInt?'],
      ['completionClaimedAt', 'BigInt?'],
      ['completionAcknowledgedAt', 'BigInt?'],
      ['createdAt', 'BigInt?'],
      // Version 9: the source's name, the prepare's trace context.
      ['sourceName', 'String?', '@db.Text'],
      ['traceContext', 'String?', '@db.Text'],
    ],
    attributes: [],
  },
  {
    name: 'BatchactionsRecord',
    table: 'batchactions_records',
    fields: [
      ['id', 'BigInt @id @default(autoincrement())'],
      ['jobId', 'String', '@db.VarChar(255)'],
      ['batchId', 'String', '@db.VarChar(255)'],
      ['recordIndex', 'Int'],
      ['status', 'String', '@db.VarChar(10)'],
      ['raw', 'Json', '@db.Json'],
      ['parsed', 'Json', '@db.Json'],
      ['errors', 'Json @default("[]")', '@db.Json'],
      ['processingError', 'String?', '@db.Text'],
      ['retryCount', 'Int?'],
    ],
    attributes: [
      '@@unique([jobId, recordIndex], map: "batchactions_records_job_id_record_index")',
      '@@index([jobId, batchId], map: "batchactions_records_job_id_batch_id")',
    ],
  },
  {
    name: 'BatchactionsBatch',
    table: 'batchactions_batches',
    fields: [
      ['id', 'String @id', '@db.VarChar(255)'],
      ['jobId', 'String', '@db.VarChar(255)'],
      ['batchIndex', 'Int'],
      ['status', 'String @default("PENDING")', '@db.VarChar(20)'],
      ['workerId', 'String?', '@db.VarChar(255)'],
      ['claimedAt', 'BigInt?'],
      ['recordStartIndex', 'Int @default(0)'],
      ['recordEndIndex', 'Int @default(0)'],
      ['processedCount', 'Int @default(0)'],
      ['failedCount', 'Int @default(0)'],
      ['version', 'Int @default(0)'],
      ['attempt', 'Int @default(0)'],
      ['error', 'String?', '@db.Text'],
      ['sourceCursor', 'String?', '@db.Text'],
      // Version 9: when the batch's attempt started (PROCESSING) or when it finished.
      ['completedAt', 'BigInt?'],
    ],
    attributes: [
      '@@unique([jobId, batchIndex], map: "batchactions_batches_job_id_batch_index")',
      '@@index([jobId, status], map: "batchactions_batches_job_id_status")',
      '@@index([jobId, status, batchIndex], map: "batchactions_batches_claim")',
      '@@index([jobId, recordStartIndex], map: "batchactions_batches_record_start")',
    ],
  },
  {
    name: 'BatchactionsUniqueValue',
    table: 'batchactions_unique_values',
    fields: [
      ['jobId', 'String', '@db.VarChar(255)'],
      ['field', 'String', '@db.VarChar(191)'],
      ['valueKey', 'String', '@db.VarChar(191)'],
      ['recordIndex', 'Int'],
    ],
    attributes: ['@@id([jobId, field, valueKey])'],
  },
  {
    // Version 8: job-wide limits (issue 27), one row per job with limits.
    name: 'BatchactionsJobLimit',
    table: 'batchactions_job_limits',
    fields: [
      ['jobId', 'String @id', '@db.VarChar(255)'],
      ['rateRecords', 'Int?'],
      ['ratePerMs', 'Int?'],
      ['maxBatches', 'Int?'],
      ['readyAt', 'Float @default(0)'],
      ['factor', 'Float @default(1)'],
      ['throttledAt', 'BigInt @default(0)'],
      ['throttledUntil', 'BigInt @default(0)'],
      // Version 11: bumped by PostgreSQL claims of a capped job (0 elsewhere).
      ['claimSeq', 'BigInt @default(0)'],
    ],
    attributes: [],
  },
  {
    // Version 10: batch payloads (issue 28), a batch's records as one row.
    name: 'BatchactionsBatchPayload',
    table: 'batchactions_batch_payloads',
    fields: [
      ['jobId', 'String', '@db.VarChar(255)'],
      ['batchId', 'String', '@db.VarChar(255)'],
      ['records', 'String', '@db.Text'],
      ['outcome', 'String?', '@db.Text'],
      ['recordCount', 'Int @default(0)'],
      ['processedCount', 'Int @default(0)'],
      ['version', 'Int @default(0)'],
    ],
    attributes: ['@@id([jobId, batchId])'],
  },
  {
    // Version 12: batch outcomes (issue 28), a payload batch's outcome in a row of its own.
    name: 'BatchactionsBatchOutcome',
    table: 'batchactions_batch_outcomes',
    fields: [
      ['jobId', 'String', '@db.VarChar(255)'],
      ['batchId', 'String', '@db.VarChar(255)'],
      ['outcome', 'String', '@db.Text'],
      ['processedCount', 'Int @default(0)'],
      ['version', 'Int @default(0)'],
    ],
    attributes: ['@@id([jobId, batchId])'],
  },
  {
    name: 'BatchactionsSchemaVersion',
    table: 'batchactions_schema_version',
    fields: [
      ['version', 'Int @id'],
      ['name', 'String', '@db.VarChar(100)'],
      ['appliedAt', 'BigInt'],
    ],
    attributes: [],
  },
];

/** The tables the models map, for `tables.external` in `prisma.config.ts`. */
export const MODEL_TABLES: readonly string[] = MODELS.map((model) => model.table);

function modelText(model: Model, provider: ModelsProvider): string {
  const width = Math.max(...model.fields.map(([name]) => name.length));
  const lines = model.fields.map(([name, type, nativeType]) => {
    // SQLite has no native types; PostgreSQL and MySQL take the same ones.
    const native = nativeType === undefined || provider === 'sqlite' ? '' : ` ${nativeType}`;
    return `  ${name.padEnd(width)} ${type}${native}`;
  });
  const attributes = [...model.attributes, `@@map("${model.table}")`].map((a) => `  ${a}`);
  return [`model ${model.name} {`, ...lines, '', ...attributes, '}'].join('\n');
}

/** The reference models for `provider`'s schema, one block after another. */
export function modelsText(provider: ModelsProvider): string {
  return MODELS.map((model) => modelText(model, provider)).join('\n\n') + '\n';
}

/** The names of the reference models. */
export const MODEL_NAMES: readonly string[] = MODELS.map((model) => model.name);
