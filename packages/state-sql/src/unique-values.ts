import { createHash } from 'node:crypto';
import { BatchActionsError, JobNotFoundError, type UniqueValueClaim } from '@batchactions/core';
import { chunks, type Db, type SqlFamily } from './db';
import { isUniqueViolation } from './executor';
import type { Statements } from './statements';

/** Values longer than this are stored as a hash, to fit the key of the unique-values table. */
const LONGEST_PLAIN_VALUE = 128;

/**
 * The stored key of a unique value (or of a field name): the text itself when short, else `#` +
 * its SHA-256 (hex). Short texts that start with `#` are hashed too, so the two forms never
 * collide. On MariaDB/MySQL, texts that end with a space are hashed as well: the binary
 * collation of the key columns (`utf8mb4_bin`) is PAD SPACE, so `"ann@example.com "` would
 * equal `"ann@example.com"` there; a hash (hex) never ends with one, and keys then compare byte
 * for byte as on the other databases. (Case and Unicode normalisation forms already differ
 * byte for byte.) On PostgreSQL, whose text cannot hold NUL, texts holding one are hashed too
 * (the PostgreSQL store of versions up to 6 replaced NUL with U+FFFD, which made `"a\0"` and
 * `"a\uFFFD"` one value). The keys of other texts are unchanged, so tables written earlier stay
 * valid.
 */
export function uniqueValueKey(value: string, family: SqlFamily): string {
  const plain =
    value.length <= LONGEST_PLAIN_VALUE &&
    !value.startsWith('#') &&
    !(family === 'mysql' && value.endsWith(' ')) &&
    !(family === 'postgres' && value.includes('\u0000'));
  if (plain) return value;
  return `#${createHash('sha256').update(value).digest('hex')}`;
}

/**
 * The stored field name: as given, except on MariaDB/MySQL for a name that ends with a space
 * (PAD SPACE, see `uniqueValueKey`) or starts with `#`, and on PostgreSQL for a name holding a
 * NUL character, stored as `#` + its SHA-256 (hex).
 */
export function uniqueFieldKey(field: string, family: SqlFamily): string {
  const hashed =
    (family === 'mysql' && (field.endsWith(' ') || field.startsWith('#'))) ||
    (family === 'postgres' && field.includes('\u0000'));
  if (!hashed) return field;
  return `#${createHash('sha256').update(field).digest('hex')}`;
}

const CLAIMS_PER_STATEMENT = 500;

interface HolderRow {
  readonly field: string;
  readonly valueKey: string;
  readonly recordIndex: number | string;
}

/** The map key of a (stored field, value key) pair. */
const pairKey = (field: string, valueKey: string) => JSON.stringify([field, valueKey]);

/**
 * Jobs (PostgreSQL) one of whose claims in this process found a value taken: their later claims
 * skip the plain INSERT that would fail. Only a hint, bounded: a job missing from it costs one
 * failed statement, never a wrong claim.
 */
const jobsWithTakenValues = new Set<string>();

function rememberTakenValues(jobId: string): void {
  if (jobsWithTakenValues.size >= 1024) jobsWithTakenValues.clear();
  jobsWithTakenValues.add(jobId);
}

/**
 * PostgreSQL: every claim in one plain INSERT; how many rows it inserted (0 for an unknown job,
 * -1 when a value was taken or repeated: a unique violation, nothing inserted).
 */
async function claimAllFree(db: Db, s: Statements, bind: readonly unknown[]): Promise<number> {
  try {
    return await db.run(s.claimFreeUniqueValuesPostgres(), bind);
  } catch (error) {
    if (isUniqueViolation(error)) return -1;
    throw error;
  }
}

/**
 * Job-wide `uniqueFields`: inserts the values nobody holds (the first claim of a value wins,
 * within the call and across concurrent callers: the table's primary key decides), then reads
 * who holds each value; an unknown job is refused (`JobNotFoundError`), as by the in-memory
 * store. The statements run on their own: once the insert is done, every value has a committed
 * holder, whoever inserted it.
 *
 * On PostgreSQL the insert is one statement for the whole call that returns the claims it
 * inserted; only values it did not insert (held already: a duplicate, or a batch run again) are
 * read back, so a batch of unique values costs one round trip. Elsewhere: the job is checked,
 * the claims inserted 500 per statement, and every holder read back.
 */
export async function claimUniqueValues(
  db: Db,
  s: Statements,
  jobId: string,
  claims: readonly UniqueValueClaim[],
): Promise<readonly number[]> {
  if (claims.length === 0) return [];
  const keys = claims.map((c) => uniqueValueKey(c.value, db.family));
  const fields = claims.map((c) => uniqueFieldKey(c.field, db.family));
  const holders = new Map<string, number>();
  const hold = (rows: readonly HolderRow[]) => {
    for (const row of rows) holders.set(pairKey(row.field, row.valueKey), Number(row.recordIndex));
  };
  // An unknown (or deleted) job takes no claims: rows stored for it would never be deleted.
  const refuseUnknownJob = async () => {
    const job = await db.select(s.selectJobStatus(), [jobId]);
    if (job.length === 0) throw new JobNotFoundError(jobId);
  };
  if (db.family === 'postgres') {
    const bind = [jobId, fields, keys, claims.map((c) => c.recordIndex)];
    // Values are usually free: claimed by a plain INSERT, they cost the database less. A job
    // where one was not (held, or repeated within the claims) is claimed with the conflict-
    // tolerant statement from then on, in this process.
    if (!jobsWithTakenValues.has(jobId)) {
      const claimed = await claimAllFree(db, s, bind);
      if (claimed === 0) await refuseUnknownJob();
      if (claimed === claims.length) return claims.map((c) => c.recordIndex);
      rememberTakenValues(jobId);
    }
    const inserted = await db.select<HolderRow>(s.claimUniqueValuesPostgres(), bind);
    if (inserted.length === 0) await refuseUnknownJob();
    hold(inserted);
  } else {
    await refuseUnknownJob();
    const rows = claims.map((c, k) => [fields[k], keys[k], c.recordIndex]);
    for (const part of chunks(rows, CLAIMS_PER_STATEMENT)) {
      await db.run(s.insertUniqueValues(part.length), [jobId, ...part.flat()]);
    }
  }
  const unread = new Set<string>();
  keys.forEach((key, k) => {
    if (!holders.has(pairKey(fields[k] as string, key))) unread.add(key);
  });
  for (const part of chunks([...unread], CLAIMS_PER_STATEMENT)) {
    hold(await db.select<HolderRow>(s.selectUniqueHolders(part.length), [jobId, ...part]));
  }
  return claims.map((claim, k) => {
    const holder = holders.get(pairKey(fields[k] as string, keys[k] as string));
    if (holder === undefined) {
      // Only a concurrent deleteJob of this very job can take the row away in between.
      throw new BatchActionsError(
        'UNIQUE_CLAIM_LOST',
        `claimUniqueValues: no holder found for ${JSON.stringify(claim)} of job "${jobId}" after inserting it`,
      );
    }
    return holder;
  });
}
