import type { Batch } from '../model/batch';
import type { JobState } from '../model/job';
import type { ProcessedRecord } from '../model/record';

/** A copy of a record that shares nothing mutable with the original (values one level deep). */
export function copyRecord(record: ProcessedRecord): ProcessedRecord {
  const raw = { ...record.raw };
  const parsed = record.parsed === record.raw ? raw : { ...record.parsed };
  return { ...record, raw, parsed, errors: [...record.errors] };
}

/** A copy of a batch (its records copied too). */
export function copyBatch(batch: Batch): Batch {
  return { ...batch, records: batch.records.map(copyRecord) };
}

/**
 * Copies a job's batch list, reusing the copy of every batch that is the very same object as at
 * the previous save. `BatchEngine` saves the whole (growing) list after every batch and replaces
 * a batch object whenever it changes, so each save copies only the batches that changed: linear
 * work per save instead of copying thousands of unchanged batches each time.
 */
export class BatchListCopier {
  private sources: readonly Batch[] = [];
  private copies: Batch[] = [];

  copy(batches: readonly Batch[]): Batch[] {
    const copies = new Array<Batch>(batches.length);
    for (let i = 0; i < batches.length; i++) {
      const batch = batches[i] as Batch;
      copies[i] = this.sources[i] === batch ? (this.copies[i] as Batch) : copyBatch(batch);
    }
    this.sources = batches.slice();
    this.copies = copies;
    return copies;
  }
}

/** A copy of a job with its config and batch list copied. */
export function copyJob(
  job: JobState,
  batches: readonly Batch[] = job.batches.map(copyBatch),
): JobState {
  return { ...job, config: { ...job.config }, batches };
}
