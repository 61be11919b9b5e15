import { describe, expect, it } from 'vitest';
import {
  BatchActionsError,
  InMemoryDistributedStateStore,
  InvalidOptionError,
  JobStatus,
  type BatchInFlight,
  type DistributedJobStatus,
  type DistributedStateStore,
  type JobListEntry,
} from '@batchactions/core';
import { readJobStatus, type JobStatusReport } from '../../src/control/job-status';
import { elapsedLine, humanReport } from '../../src/cli/commands/status-command';
import { jobAge } from '../../src/cli/commands/list-command';
import { resumeReport } from '../../src/cli/commands/prepare-command';
import { doctorText } from '../../src/cli/commands/doctor-command';
import { CliUsageError } from '../../src/cli/cli-errors';
import { CliRefusalError, withCliFlags, withFlagNames } from '../../src/cli/flag-names';

const batches = (over: Partial<DistributedJobStatus> = {}): DistributedJobStatus => ({
  jobId: 'job',
  totalBatches: 10,
  pendingBatches: 10,
  processingBatches: 0,
  completedBatches: 0,
  failedBatches: 0,
  isComplete: false,
  ...over,
});

function report(over: Partial<JobStatusReport> = {}): JobStatusReport {
  return {
    jobId: 'job',
    status: JobStatus.PROCESSING,
    phase: 'waiting-for-workers',
    activeWorkers: 0,
    progress: {
      totalRecords: 1000,
      processedRecords: 0,
      failedRecords: 0,
      pendingRecords: 1000,
      percentage: 0,
      currentBatch: 0,
      totalBatches: 10,
      elapsedMs: 546,
    },
    batches: batches(),
    inFlight: [],
    ...over,
  };
}

describe('status: elapsed since prepare started', () => {
  it('counts from createdAt, not from when the job opened (the store elapsedMs)', () => {
    const text = humanReport(report({ createdAt: 10_000 }), undefined, 13_250);
    expect(text).toContain('  elapsed  3.3 s since prepare started\n');
    expect(text).not.toContain('546 ms');
  });

  it('shows real elapsed time for a CREATED job (prepare running, nothing opened yet)', () => {
    const created = report({
      status: JobStatus.CREATED,
      phase: 'preparing',
      createdAt: 1_000,
      progress: { ...report().progress, elapsedMs: 0 },
    });
    expect(elapsedLine(created, 91_000)).toBe('1 min 30 s since prepare started');
  });

  it('stops counting at completedAt for a finished job', () => {
    const done = report({
      status: JobStatus.COMPLETED,
      phase: 'finished',
      createdAt: 1_000,
      completedAt: 6_000,
    });
    expect(elapsedLine(done, 1_000_000)).toBe('5.0 s since prepare started');
  });

  it('says what it counts from when the store does not record createdAt', () => {
    expect(elapsedLine(report(), 5_000)).toBe(
      '546 ms since the job opened (this store does not record when prepare started)',
    );
  });
});

describe('list: AGE', () => {
  const entry = (over: Partial<JobListEntry>): JobListEntry => ({
    jobId: 'j',
    status: JobStatus.CREATED,
    totalRecords: 0,
    processedRecords: 0,
    failedRecords: 0,
    totalBatches: 0,
    pendingBatches: 0,
    processingBatches: 0,
    completedBatches: 0,
    failedBatches: 0,
    ...over,
  });

  it('counts from createdAt, so a CREATED job has an age', () => {
    expect(jobAge(entry({ createdAt: 40_000 }), 100_000)).toBe('1 min 0 s');
    expect(jobAge(entry({ createdAt: 40_000, startedAt: 90_000 }), 100_000)).toBe('1 min 0 s');
  });

  it('falls back to startedAt, then to -', () => {
    expect(jobAge(entry({ startedAt: 90_000 }), 100_000)).toBe('10.0 s');
    expect(jobAge(entry({}), 100_000)).toBe('-');
  });
});

describe('prepare --resume: the rate of this run only', () => {
  it('reports the records this run stored and their rate', () => {
    const text = resumeReport(
      {
        jobId: 'job',
        totalRecords: 1_000_000,
        totalBatches: 1000,
        storedRecords: 400_000,
        storedBatches: 400,
      },
      'csv',
      8000,
    );
    expect(text).toBe(
      'Resumed and finished: 400,000 records stored by this run in 400 batches (csv) in 8.0 s ' +
        '(50,000 records/s); job job holds 1,000,000 records in 1,000 batches',
    );
  });

  it('reports no rate when the prepare had finished before', () => {
    const text = resumeReport(
      {
        jobId: 'job',
        totalRecords: 1_000_000,
        totalBatches: 1000,
        storedRecords: 0,
        storedBatches: 0,
      },
      'csv',
      47,
    );
    expect(text).toBe('Nothing left to prepare: job job holds 1,000,000 records in 1,000 batches');
    expect(text).not.toMatch(/records\/s/);
  });
});

describe('CLI flag names in refusals', () => {
  it('names the flag instead of the library option', () => {
    expect(withFlagNames('younger than takeOverAfterMs 30000 ms')).toBe(
      'younger than --take-over-after 30000 ms',
    );
    // Only whole words: a longer identifier is left alone.
    expect(withFlagNames('mytakeOverAfterMsX')).toBe('mytakeOverAfterMsX');
  });

  it('makes an invalid option a usage error naming the flag, and rewords other refusals', () => {
    const usage = withCliFlags(new InvalidOptionError('takeOverAfterMs', 5, 'at least 10000 ms'));
    expect(usage).toBeInstanceOf(CliUsageError);
    expect((usage as Error).message).toBe(
      "option '--take-over-after <ms>' argument '5' is invalid: expected at least 10000 ms, got 5",
    );
    const refusal = Object.assign(
      new BatchActionsError(
        'PREPARE_STILL_RUNNING',
        'job j: younger than takeOverAfterMs 30000 ms',
      ),
      { jobId: 'j' },
    );
    const reworded = withCliFlags(refusal);
    expect(reworded).toBeInstanceOf(CliRefusalError);
    expect(reworded).toMatchObject({
      code: 'PREPARE_STILL_RUNNING',
      jobId: 'j',
      message: 'job j: younger than --take-over-after 30000 ms',
      original: refusal,
    });
    // The original, naming the library's option, is not printed as a cause.
    expect((reworded as Error).cause).toBeUndefined();
    const other = new Error('nothing to reword');
    expect(withCliFlags(other)).toBe(other);
  });
});

describe('readJobStatus idle check', () => {
  /**
   * A job with pending batches; the store's n-th listing of batches in flight (and of counts)
   * is the n-th entry given: a worker between two batches is seen holding none by one reading
   * and holding one by the next, without any timing.
   */
  async function storeWithReadings(
    inFlight: readonly (readonly BatchInFlight[])[],
    counts: readonly DistributedJobStatus[],
  ): Promise<DistributedStateStore> {
    const store = new InMemoryDistributedStateStore();
    await store.saveJobState({
      id: 'job',
      config: { batchSize: 1 },
      status: JobStatus.PROCESSING,
      batches: [],
      totalRecords: 10,
      distributed: true,
    });
    let inFlightReads = 0;
    let countReads = 0;
    return Object.assign(Object.create(store) as DistributedStateStore, {
      listBatchesInFlight: () =>
        Promise.resolve(inFlight[Math.min(inFlightReads++, inFlight.length - 1)] ?? []),
      getDistributedStatus: () =>
        Promise.resolve(counts[Math.min(countReads++, counts.length - 1)] ?? batches()),
    });
  }
  const held: BatchInFlight = {
    batchId: 'b1',
    batchIndex: 1,
    workerId: 'w1',
    attempt: 1,
    heartbeatAgeMs: 3,
  };

  it('without it, one reading with no batch held says waiting for workers (as before)', async () => {
    const store = await storeWithReadings([[], [held]], [batches()]);
    expect((await readJobStatus(store, 'job')).phase).toBe('waiting-for-workers');
  });

  it('a worker seen holding a batch at the second reading makes it processing', async () => {
    const store = await storeWithReadings([[], [held]], [batches(), batches()]);
    const status = await readJobStatus(store, 'job', { idleCheckMs: 1 });
    expect(status.phase).toBe('processing');
    expect(status.activeWorkers).toBe(1);
  });

  it('batches finished between the readings make it processing', async () => {
    const store = await storeWithReadings(
      [[], []],
      [batches(), batches({ pendingBatches: 9, completedBatches: 1 })],
    );
    expect((await readJobStatus(store, 'job', { idleCheckMs: 1 })).phase).toBe('processing');
  });

  it('no batch held and none finished in both readings: waiting for workers', async () => {
    const store = await storeWithReadings([[], []], [batches(), batches()]);
    expect((await readJobStatus(store, 'job', { idleCheckMs: 1 })).phase).toBe(
      'waiting-for-workers',
    );
  });
});

describe('doctor text', () => {
  it('prints the findings and healthy', () => {
    expect(
      doctorText({
        store: 'sqlite:s.db',
        healthy: true,
        problems: [],
        notes: [],
        schemaVersion: 7,
        expectedSchemaVersion: 7,
        jobs: { PROCESSING: 1, COMPLETED: 2 },
        fileBytes: 2 * 1024 * 1024,
      }),
    ).toBe(
      'store sqlite:s.db\n  file     2.0 MB\n  schema   version 7 (current)\n  jobs     3: 2 COMPLETED, 1 PROCESSING\nhealthy\n',
    );
  });

  it('prints one unhealthy line per reason', () => {
    expect(
      doctorText({
        store: 'postgres://u:***@h/db',
        healthy: false,
        problems: ['schema version 9 is newer than 7, the one this version writes: upgrade'],
        notes: [],
        schemaVersion: 9,
        expectedSchemaVersion: 7,
      }),
    ).toBe(
      'store postgres://u:***@h/db\n  schema   version 9, this version writes 7\n' +
        'unhealthy: schema version 9 is newer than 7, the one this version writes: upgrade\n',
    );
  });
});
