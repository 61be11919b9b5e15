// Every export of the published `@batchactions/core` entry point (core.md §1), imported and
// called with its published signature. `npm run typecheck` compiles this file: a changed
// signature fails the build; the runtime assertions check the published results.
// Written as a user of the published package would (async functions without await, the
// deprecated `state` alias, a method reference for a type check):
/* eslint-disable @typescript-eslint/require-await, @typescript-eslint/no-deprecated, @typescript-eslint/unbound-method */
import {
  BatchEngine,
  BatchSplitter,
  BatchStatus,
  BufferSource,
  canTransition,
  clearBatchRecords,
  createBatch,
  createPendingRecord,
  EventBus,
  FilePathSource,
  FileStateStore,
  getErrors,
  getWarnings,
  hasErrors,
  InMemoryStateStore,
  invalidResult,
  isDistributedStateStore,
  isEmptyRow,
  JobContext,
  JobStatus,
  markRecordFailed,
  markRecordInvalid,
  markRecordValid,
  StreamSource,
  UrlSource,
  validResult,
  type Batch,
  type BatchClaimedEvent,
  type BatchCompletedEvent,
  type BatchEngineConfig,
  type BatchFailedEvent,
  type BatchReservation,
  type BatchStartedEvent,
  type BatchState,
  type ChunkCompletedEvent,
  type ChunkOptions,
  type ChunkResult,
  type ClaimBatchFailureReason,
  type ClaimBatchResult,
  type DataSource,
  type DistributedJobStatus,
  type DistributedPreparedEvent,
  type DistributedStateStore,
  type DomainEvent,
  type ErrorCategory,
  type ErrorSeverity,
  type EventPayload,
  type EventType,
  type FilePathSourceOptions,
  type FileStateStoreOptions,
  type HookContext,
  type JobAbortedEvent,
  type JobCompletedEvent,
  type JobConfig,
  type JobFailedEvent,
  type JobHooks,
  type JobPausedEvent,
  type JobProgress,
  type JobProgressEvent,
  type JobStartedEvent,
  type JobState,
  type JobStatusResult,
  type JobSummary,
  type ParsedRecord,
  type ProcessedRecord,
  type ProcessingContext,
  type RawRecord,
  type RecordFailedEvent,
  type RecordProcessedEvent,
  type RecordProcessorFn,
  type RecordRetriedEvent,
  type RecordStatus,
  type SourceMetadata,
  type StateStore,
  type StreamSourceOptions,
  type UrlSourceOptions,
  type ValidateFn,
  type ValidationError,
  type ValidationErrorCode,
  type ValidationResult,
} from '@batchactions/core';
import { Readable } from 'node:stream';
import { describe, expect, expectTypeOf, it } from 'vitest';

const error: ValidationError = {
  field: 'email',
  message: 'required',
  code: 'REQUIRED' satisfies ValidationErrorCode,
  severity: 'error' satisfies ErrorSeverity,
  category: 'VALIDATION' satisfies ErrorCategory,
  suggestion: 'fill it',
  metadata: { row: 1 },
};
const warning: ValidationError = {
  field: 'n',
  message: 'w',
  code: 'CUSTOM_VALIDATION',
  severity: 'warning',
};

describe('published exports of @batchactions/core', () => {
  it('validation helpers (§2.6)', () => {
    const valid: (parsed?: Record<string, unknown>) => ValidationResult = validResult;
    const invalid: (errors: readonly ValidationError[]) => ValidationResult = invalidResult;
    const has: (errors: readonly ValidationError[]) => boolean = hasErrors;
    const get: (errors: readonly ValidationError[]) => readonly ValidationError[] = getErrors;
    const warnings: (errors: readonly ValidationError[]) => readonly ValidationError[] =
      getWarnings;
    expect(valid()).toEqual({ isValid: true, errors: [] });
    expect('parsed' in valid()).toBe(false);
    expect(valid({ a: 1 })).toEqual({ isValid: true, errors: [], parsed: { a: 1 } });
    const list = [error];
    expect(invalid(list).errors).toBe(list);
    expect(has([warning])).toBe(false);
    expect(get([error, warning])).toEqual([error]);
    expect(warnings([error, warning])).toEqual([warning]);
  });

  it('records and batches (§2.3, §2.4)', () => {
    const raw: RawRecord = { a: 1 };
    const pending: ProcessedRecord = createPendingRecord(0, raw);
    expect(pending).toEqual({ index: 0, raw, parsed: raw, status: 'pending', errors: [] });
    expect(pending.parsed).toBe(raw);
    const parsed: ParsedRecord = { a: 2 };
    expect(markRecordValid(pending, parsed, [warning])).toMatchObject({
      status: 'valid',
      parsed,
      errors: [warning],
    });
    expect(markRecordInvalid(pending, [error])).toMatchObject({ status: 'invalid', parsed: raw });
    expect(markRecordFailed(pending, 'x')).toMatchObject({
      status: 'failed',
      processingError: 'x',
    });
    expect(isEmptyRow({})).toBe(true);
    const status: RecordStatus = 'processed';
    const batch: Batch = createBatch('b', 0, [pending]);
    expect(batch).toMatchObject({
      id: 'b',
      index: 0,
      status: BatchStatus.PENDING,
      processedCount: 0,
      failedCount: 0,
    });
    expect(clearBatchRecords(batch).records).toEqual([]);
    expect(status).toBe('processed');
  });

  it('status constants and transitions (§2.1, §2.2)', () => {
    expect(JobStatus.PREVIEWED).toBe('PREVIEWED');
    expect(BatchStatus.FAILED).toBe('FAILED');
    const check: (from: JobStatus, to: JobStatus) => boolean = canTransition;
    expect(check(JobStatus.CREATED, JobStatus.PROCESSING)).toBe(true);
    expect(check(JobStatus.COMPLETED, JobStatus.PROCESSING)).toBe(false);
    expect(check(JobStatus.PAUSED, JobStatus.ABORTED)).toBe(true);
  });

  it('BatchSplitter (§3) and EventBus (§4)', async () => {
    const splitter = new BatchSplitter(2);
    const split: AsyncIterable<{
      readonly records: readonly ProcessedRecord[];
      readonly batchIndex: number;
    }> = splitter.split(
      (async function* () {
        yield createPendingRecord(0, {});
      })(),
      3,
    );
    for await (const b of split) expect(b.batchIndex).toBe(3);

    const bus = new EventBus();
    const seen: EventType[] = [];
    const handler = (e: EventPayload<'job:started'>): void => {
      seen.push(e.type);
    };
    const any = (e: DomainEvent): void => {
      seen.push(e.type);
    };
    bus.on('job:started', handler);
    bus.onAny(any);
    bus.emit({ type: 'job:started', jobId: 'j', timestamp: 0, totalRecords: 0, totalBatches: 0 });
    bus.off('job:started', handler);
    bus.offAny(any);
    bus.emit({ type: 'job:started', jobId: 'j', timestamp: 0, totalRecords: 0, totalBatches: 0 });
    expect(seen).toEqual(['job:started', 'job:started']);
  });

  it('event interfaces (§4.2)', () => {
    expectTypeOf<JobStartedEvent>().toHaveProperty('totalBatches');
    expectTypeOf<JobCompletedEvent['summary']>().toEqualTypeOf<JobSummary>();
    expectTypeOf<JobPausedEvent['progress']>().toEqualTypeOf<JobProgress>();
    expectTypeOf<JobAbortedEvent['progress']>().toEqualTypeOf<JobProgress>();
    expectTypeOf<JobFailedEvent['error']>().toEqualTypeOf<string>();
    expectTypeOf<JobProgressEvent['progress']>().toEqualTypeOf<JobProgress>();
    expectTypeOf<BatchStartedEvent['recordCount']>().toEqualTypeOf<number>();
    expectTypeOf<BatchCompletedEvent['totalCount']>().toEqualTypeOf<number>();
    expectTypeOf<BatchFailedEvent['error']>().toEqualTypeOf<string>();
    expectTypeOf<RecordProcessedEvent['recordIndex']>().toEqualTypeOf<number>();
    expectTypeOf<RecordFailedEvent['record']>().toEqualTypeOf<ProcessedRecord>();
    expectTypeOf<RecordRetriedEvent['attempt']>().toEqualTypeOf<number>();
    expectTypeOf<ChunkCompletedEvent['done']>().toEqualTypeOf<boolean>();
    expectTypeOf<BatchClaimedEvent['workerId']>().toEqualTypeOf<string>();
    expectTypeOf<DistributedPreparedEvent['totalBatches']>().toEqualTypeOf<number>();
    expectTypeOf<EventType>().toEqualTypeOf<DomainEvent['type']>();
  });

  it('ports and distributed types (§2.7, §5)', () => {
    const reservation: BatchReservation = {
      jobId: 'j',
      batchId: 'b',
      batchIndex: 0,
      workerId: 'w',
      claimedAt: 0,
      recordStartIndex: 0,
      recordEndIndex: 9,
    };
    const reason: ClaimBatchFailureReason = 'NO_PENDING_BATCHES';
    const claims: ClaimBatchResult[] = [
      { claimed: true, reservation },
      { claimed: false, reason },
    ];
    const status: DistributedJobStatus = {
      jobId: 'j',
      totalBatches: 1,
      completedBatches: 1,
      failedBatches: 0,
      processingBatches: 0,
      pendingBatches: 0,
      isComplete: true,
    };
    const batchState: BatchState = {
      batchId: 'b',
      status: 'COMPLETED',
      processedCount: 1,
      failedCount: 0,
    };
    const config: JobConfig = { batchSize: 10, maxConcurrentBatches: 1, skipEmptyRows: false };
    const state: JobState = { id: 'j', config, status: 'CREATED', batches: [], totalRecords: 0 };
    const store: StateStore = new InMemoryStateStore();
    expect(isDistributedStateStore(store)).toBe(false);
    const maybe: DistributedStateStore | undefined = isDistributedStateStore(store)
      ? store
      : undefined;
    const hooks: JobHooks = {
      beforeValidate: async (r: RawRecord, c: HookContext) => ({ ...r, job: c.jobId }),
    };
    const processor: RecordProcessorFn = async (_r: ParsedRecord, c: ProcessingContext) => {
      expect(c.signal).toBeInstanceOf(AbortSignal);
    };
    expect([
      claims.length,
      status.isComplete,
      batchState.status,
      state.id,
      maybe,
      typeof hooks,
      typeof processor,
    ]).toEqual([2, true, 'COMPLETED', 'j', undefined, 'object', 'function']);
  });

  it('BatchEngine and JobContext (§6, §7)', async () => {
    const validate: ValidateFn = () => validResult();
    const config: BatchEngineConfig = {
      batchSize: 100,
      maxConcurrentBatches: 1,
      continueOnError: false,
      stateStore: new InMemoryStateStore(),
      maxRetries: 0,
      retryDelayMs: 1000,
      hooks: {},
      validate,
      skipEmptyRows: false,
    };
    const engine = new BatchEngine(config);
    expectTypeOf(engine.from).parameter(1).toHaveProperty('parse');
    expect(engine.fromRecords([{ a: 1 }])).toBe(engine);
    expect(
      engine
        .on('job:started', () => undefined)
        .onAny(() => undefined)
        .offAny(() => undefined),
    ).toBe(engine);
    expect(await engine.count()).toBe(1);
    const options: ChunkOptions = { maxRecords: 10, maxDurationMs: 1000 };
    const chunk: ChunkResult = await engine.processChunk(async () => {}, options);
    expect(chunk).toMatchObject({
      done: true,
      processedRecords: 1,
      failedRecords: 0,
      totalProcessed: 1,
      totalFailed: 0,
    });
    const status: JobStatusResult = engine.getStatus();
    expect(status.state).toBe(status.status);
    expect(await engine.getFailedRecords()).toEqual([]);
    expect(engine.getPendingRecords()).toEqual([]);
    expect(typeof engine.getJobId()).toBe('string');
    const restored: BatchEngine | null = await BatchEngine.restore(engine.getJobId(), config);
    expect(restored?.getJobId()).toBe(engine.getJobId());
    const second = new BatchEngine().fromRecords([]);
    await second.start(async () => {});
    await expect(second.pause()).rejects.toThrow("Cannot pause job from status 'COMPLETED'");
    expect(() => {
      second.resume();
    }).toThrow("Cannot resume job from status 'COMPLETED'");
    await expect(second.abort()).rejects.toThrow("Cannot abort job from status 'COMPLETED'");

    const context = new JobContext(10, true, 1, new InMemoryStateStore(), 0, 1000);
    expect(context).toMatchObject({
      status: 'CREATED',
      hooks: null,
      validate: null,
      skipEmptyRows: false,
    });
    context.transitionTo('PROCESSING');
    expect(() => {
      context.transitionTo('CREATED');
    }).toThrow('Invalid state transition: PROCESSING → CREATED');
    expect(context.buildProgress().percentage).toBe(0);
    expect(context.buildSummary()).toMatchObject({ total: 0, skipped: 0 });
    expect(context.isChunkExhausted()).toBe(false);
    expect(() => {
      context.assertSourceConfigured();
    }).toThrow('Source and parser must be configured');
    await context.saveState();
  });

  it('state stores (§8) and sources (§9)', async () => {
    const fileOptions: FileStateStoreOptions = { directory: '.batchactions-test-unused' };
    const fileStore: StateStore = new FileStateStore(fileOptions);
    expect(await fileStore.getJobState('missing')).toBeNull();

    const metadata: SourceMetadata = new BufferSource('x', { fileName: 'a.csv' }).metadata();
    expect(metadata.fileName).toBe('a.csv');
    const pathOptions: FilePathSourceOptions = { encoding: 'utf-8', highWaterMark: 65536 };
    const streamOptions: StreamSourceOptions = {
      fileName: 's',
      mimeType: 'text/csv',
      fileSize: 1,
      encoding: 'utf-8',
    };
    const urlOptions: UrlSourceOptions = {
      headers: {},
      timeout: 30000,
      fileName: 'u.csv',
      mimeType: 'text/csv',
    };
    const sources: DataSource[] = [
      new BufferSource('x'),
      new FilePathSource('/does/not/matter.csv', pathOptions),
      new StreamSource(Readable.from(['x']), streamOptions),
      new UrlSource('https://example.test/u.csv', urlOptions),
    ];
    expect(sources.slice(2).map((s) => s.metadata().mimeType)).toEqual(['text/csv', 'text/csv']);
  });
});
