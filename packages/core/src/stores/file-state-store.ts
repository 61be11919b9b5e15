import { resolve, join } from 'node:path';
import { InvalidOptionError } from '../errors/invalid-option-error';
import type { BatchState } from '../model/batch';
import type { JobProgress, JobState } from '../model/job';
import { RECORD_STATUS_GROUPS, type ProcessedRecord, type RecordStatus } from '../model/record';
import type { StateStore } from '../ports/state-store';
import { applyBatchState } from './apply-batch-state';
import { readTextIfExists, writeAtomically } from './json-files';
import { runExclusive } from './keyed-queue';
import { progressFromRecords, publishedProgressFromRecords } from './record-progress';
import { RecordsFile } from './records-file';

/** Options of {@link FileStateStore}. */
export interface FileStateStoreOptions {
  /** Where the files go, created on the first write. Default: `'.batchactions'` (relative to the working directory). */
  readonly directory?: string;
}

/** Job ids become file names: nothing that could leave the directory or hide a file. */
function checkJobId(jobId: unknown): string {
  if (
    typeof jobId !== 'string' ||
    jobId === '' ||
    jobId === '.' ||
    jobId === '..' ||
    /[/\\\0]/.test(jobId)
  ) {
    throw new InvalidOptionError(
      'jobId',
      jobId,
      'a non-empty id without "/", "\\" or NUL, usable as a file name',
    );
  }
  return jobId;
}

/**
 * A `StateStore` in JSON files, with the published layout: `<directory>/<jobId>.json` (the job,
 * 2-space indented) and `<directory>/<jobId>.records.json` (a JSON array of its records).
 * Unlike the published store it is safe when batches run concurrently: writes to a file are
 * serialised across the process, files are replaced atomically (write, then rename), a new
 * record is appended instead of rewriting every record, and the record cache follows changes
 * made to the file by others. Reads always come from disk. One process per directory.
 */
export class FileStateStore implements StateStore {
  readonly directory: string;
  private readonly recordFiles = new Map<string, RecordsFile>();

  constructor(options: FileStateStoreOptions = {}) {
    const directory = options.directory ?? '.batchactions';
    if (typeof directory !== 'string' || directory === '') {
      throw new InvalidOptionError('directory', directory, 'a non-empty directory path');
    }
    this.directory = directory;
  }

  /** Writes the job file (replacing it atomically). */
  async saveJobState(job: JobState): Promise<void> {
    const path = this.jobPath(checkJobId(job.id));
    const text = JSON.stringify(job, null, 2);
    await runExclusive(path, () => writeAtomically(path, text));
  }

  /** The job, or `null` when its file is missing or unreadable JSON (as published). */
  async getJobState(jobId: string): Promise<JobState | null> {
    const text = await readTextIfExists(this.jobPath(checkJobId(jobId)));
    if (text === undefined) return null;
    try {
      return JSON.parse(text) as JobState;
    } catch (error) {
      if (error instanceof SyntaxError) return null;
      throw error;
    }
  }

  /** Changes the batch in the job file; an unknown job or batch is a no-op. */
  async updateBatchState(jobId: string, batchId: string, state: BatchState): Promise<void> {
    const path = this.jobPath(checkJobId(jobId));
    await runExclusive(path, async () => {
      const job = await this.getJobState(jobId);
      if (!job) return;
      const batches = applyBatchState(job.batches, batchId, state);
      await writeAtomically(path, JSON.stringify({ ...job, batches }, null, 2));
    });
  }

  /** Inserts or replaces the record with the same `(jobId, index)` in the records file. */
  async saveProcessedRecord(
    jobId: string,
    _batchId: string,
    record: ProcessedRecord,
  ): Promise<void> {
    const path = this.recordsPath(checkJobId(jobId));
    let file = this.recordFiles.get(path);
    if (!file) {
      file = new RecordsFile(path);
      this.recordFiles.set(path, file);
    }
    const target = file;
    await runExclusive(path, () => target.save(record));
  }

  getFailedRecords(jobId: string): Promise<readonly ProcessedRecord[]> {
    return this.recordsWithStatus(jobId, RECORD_STATUS_GROUPS.failed);
  }

  getPendingRecords(jobId: string): Promise<readonly ProcessedRecord[]> {
    return this.recordsWithStatus(jobId, RECORD_STATUS_GROUPS.pending);
  }

  getProcessedRecords(jobId: string): Promise<readonly ProcessedRecord[]> {
    return this.recordsWithStatus(jobId, RECORD_STATUS_GROUPS.processed);
  }

  /**
   * Progress from the files with the published formula, as `InMemoryStateStore.getProgress`
   * (processed-only percentage, `pendingRecords` not clamped).
   */
  async getProgress(jobId: string): Promise<JobProgress> {
    const [job, records] = await Promise.all([this.getJobState(jobId), this.readRecords(jobId)]);
    return publishedProgressFromRecords(job, records, Date.now());
  }

  /** Progress from the files with the consistent formula, as `InMemoryStateStore.getJobProgress`. */
  async getJobProgress(jobId: string): Promise<JobProgress> {
    const [job, records] = await Promise.all([this.getJobState(jobId), this.readRecords(jobId)]);
    return progressFromRecords(job, records, Date.now());
  }

  private async recordsWithStatus(
    jobId: string,
    statuses: readonly RecordStatus[],
  ): Promise<readonly ProcessedRecord[]> {
    const records = await this.readRecords(jobId);
    return records.filter((record) => statuses.includes(record.status));
  }

  /** Read in turn with the writes, so a read never sees an append half done. */
  private async readRecords(jobId: string): Promise<ProcessedRecord[]> {
    const path = this.recordsPath(checkJobId(jobId));
    return await runExclusive(path, () => RecordsFile.read(path));
  }

  private jobPath(jobId: string): string {
    return resolve(join(this.directory, `${jobId}.json`));
  }

  private recordsPath(jobId: string): string {
    return resolve(join(this.directory, `${jobId}.records.json`));
  }
}
