import { createHash } from 'node:crypto';
import { BatchActionsError, type UniqueValueClaim } from '@batchactions/core';
import { chunks, type Db } from './db';
import type { Statements } from './statements';

/** Values longer than this are stored as a hash, to fit the key of the unique-values table. */
const LONGEST_PLAIN_VALUE = 128;

/**
 * The stored key of a unique value: the value itself when short, else `#` + its SHA-256 (hex).
 * Short values that start with `#` are hashed too, so the two forms never collide.
 */
export function uniqueValueKey(value: string): string {
  if (value.length <= LONGEST_PLAIN_VALUE && !value.startsWith('#')) return value;
  return `#${createHash('sha256').update(value).digest('hex')}`;
}

const CLAIMS_PER_STATEMENT = 500;

/**
 * Job-wide `uniqueFields`: inserts the values nobody holds (the first claim of a value wins,
 * within the call and across concurrent callers: the table's primary key decides), then reads
 * who holds each value. Both statements run on their own: once the insert is done, every value
 * has a committed holder, whoever inserted it.
 */
export async function claimUniqueValues(
  db: Db,
  s: Statements,
  jobId: string,
  claims: readonly UniqueValueClaim[],
): Promise<readonly number[]> {
  if (claims.length === 0) return [];
  const keys = claims.map((c) => uniqueValueKey(c.value));
  const rows = claims.map((c, k) => [c.field, keys[k], c.recordIndex]);
  for (const part of chunks(rows, CLAIMS_PER_STATEMENT)) {
    await db.run(s.insertUniqueValues(part.length), [jobId, ...part.flat()]);
  }
  const holders = new Map<string, number>();
  for (const part of chunks([...new Set(keys)], CLAIMS_PER_STATEMENT)) {
    const found = await db.select<{
      field: string;
      valueKey: string;
      recordIndex: number | string;
    }>(s.selectUniqueHolders(part.length), [jobId, ...part]);
    for (const row of found) {
      holders.set(JSON.stringify([row.field, row.valueKey]), Number(row.recordIndex));
    }
  }
  return claims.map((claim, k) => {
    const holder = holders.get(JSON.stringify([claim.field, keys[k]]));
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
