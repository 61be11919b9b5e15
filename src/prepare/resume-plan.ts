import type { PreparedBatch, SourceVersion } from '@batchactions/core';
import { SourceMismatchError } from './prepare-errors';
import type { ParseCursor } from '@batchactions/import';

/**
 * What prepare stores with each batch as its `sourceCursor`: the parser's cursor after the
 * batch's last record, the source's size when it was known before reading, and the version the
 * source reported once read (a remote file's ETag, Last-Modified, size). A resume from a byte
 * offset checks them, so a changed file is not read from the middle.
 */
export interface StoredCursor {
  readonly v: 1;
  readonly cursor: ParseCursor;
  readonly sourceSize?: number;
  readonly sourceVersion?: SourceVersion;
}

/** The `sourceCursor` text of a batch. */
export function encodeCursor(
  cursor: ParseCursor,
  sourceSize: number | undefined,
  sourceVersion?: SourceVersion,
): string {
  const stored: StoredCursor = {
    v: 1,
    cursor,
    ...(sourceSize === undefined ? {} : { sourceSize }),
    ...(sourceVersion === undefined ? {} : { sourceVersion }),
  };
  return JSON.stringify(stored);
}

/** The cursor a `sourceCursor` text holds, or `undefined` when it holds none this code reads. */
export function decodeCursor(text: string | undefined): StoredCursor | undefined {
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // Not ours (written by other code): the resume re-reads the source from the start instead.
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const stored = parsed as Partial<StoredCursor>;
  if (stored.v !== 1 || typeof stored.cursor?.byteOffset !== 'number') return undefined;
  if (stored.sourceVersion !== undefined && !isVersion(stored.sourceVersion)) {
    // Not a version this code wrote: resume without comparing it rather than misread it.
    const { sourceVersion: _ignored, ...rest } = stored;
    return rest as StoredCursor;
  }
  return stored as StoredCursor;
}

function isVersion(value: unknown): value is SourceVersion {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const optional = (key: string, type: string) => v[key] === undefined || typeof v[key] === type;
  return (
    optional('location', 'string') &&
    optional('etag', 'string') &&
    optional('lastModified', 'string') &&
    optional('size', 'number')
  );
}

/** Where a prepare starts: the first batch and record index it numbers, and the cursor, if any. */
export interface PrepareStart {
  readonly batchIndex: number;
  readonly recordIndex: number;
  /** Read the source from this cursor; absent: from its start. */
  readonly cursor?: StoredCursor;
}

/** How a resumed prepare goes on. */
export interface ResumePlan {
  /** Where it goes on from when the source can be read from a cursor. */
  readonly fromCursor?: PrepareStart;
  /** Batches stored already, by index; those at or after the start are skipped, not stored again. */
  readonly stored: ReadonlyMap<number, PreparedBatch>;
  /** Records held by the batches stored so far. */
  readonly storedRecords: number;
}

/** A new prepare: from the start, nothing stored. */
export const FROM_THE_START: PrepareStart = { batchIndex: 0, recordIndex: 0 };

/**
 * The plan of a resume from the batches a job holds (index order). Batches are numbered in
 * source order and each starts where the one before it ended, so the longest run of batches
 * 0, 1, 2… without a gap ends where the source was fully stored; the batches after a gap (writes
 * that were in flight when the prepare stopped) are kept and skipped when the source reaches them.
 */
export function resumePlan(jobId: string, batches: readonly PreparedBatch[]): ResumePlan {
  const stored = new Map<number, PreparedBatch>();
  let storedRecords = 0;
  for (const batch of batches) {
    if (stored.has(batch.batchIndex)) {
      throw new SourceMismatchError(
        jobId,
        `the job holds two batches numbered ${batch.batchIndex}`,
      );
    }
    stored.set(batch.batchIndex, batch);
    storedRecords += batch.recordEndIndex - batch.recordStartIndex + 1;
  }
  let next = 0;
  let nextRecord = 0;
  let last: PreparedBatch | undefined;
  for (;;) {
    const batch = stored.get(next);
    if (batch === undefined || batch.recordStartIndex !== nextRecord) break;
    last = batch;
    next += 1;
    nextRecord = batch.recordEndIndex + 1;
  }
  const cursor = decodeCursor(last?.sourceCursor);
  return {
    stored,
    storedRecords,
    ...(last !== undefined && cursor !== undefined
      ? { fromCursor: { batchIndex: next, recordIndex: nextRecord, cursor } }
      : {}),
  };
}
