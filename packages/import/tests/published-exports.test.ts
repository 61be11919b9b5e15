import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as core from '@batchactions/core';
import {
  BatchEngine,
  BatchSplitter,
  BatchStatus,
  BufferSource,
  BulkImport,
  CsvParser,
  FilePathSource,
  FileStateStore,
  getErrors,
  getWarnings,
  hasErrors,
  InMemoryStateStore,
  invalidResult,
  isEmptyRow,
  JobStatus,
  JsonParser,
  SchemaValidator,
  StreamSource,
  UrlSource,
  validResult,
  XmlParser,
  type Batch,
  type BatchCompletedEvent,
  type BatchFailedEvent,
  type BatchStartedEvent,
  type BulkImportConfig,
  type ChunkCompletedEvent,
  type ChunkOptions,
  type ChunkResult,
  type DataSource,
  type DomainEvent,
  type DuplicateChecker,
  type DuplicateCheckResult,
  type ErrorCategory,
  type ErrorSeverity,
  type EventPayload,
  type EventType,
  type FieldDefinition,
  type FieldType,
  type GenerateTemplateOptions,
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
  type JsonParserOptions,
  type ParsedRecord,
  type ParserOptions,
  type PreviewResult,
  type ProcessedRecord,
  type ProcessingContext,
  type RawRecord,
  type RecordFailedEvent,
  type RecordProcessedEvent,
  type RecordProcessorFn,
  type RecordRetriedEvent,
  type RecordStatus,
  type SchemaDefinition,
  type SourceParser,
  type StateStore,
  type ValidationError,
  type ValidationErrorCode,
  type ValidationFieldResult,
  type ValidationResult,
  type XmlParserOptions,
} from '@batchactions/import';

/**
 * Every export of the published entry point, used with its published signature. Type-checked by
 * `npm run typecheck` (tsconfig includes the package tests); the assertions check the runtime side.
 */
describe('published @batchactions/import exports', () => {
  it('re-exports the core values as the core objects themselves', () => {
    expect(BatchEngine).toBe(core.BatchEngine);
    expect(BatchSplitter).toBe(core.BatchSplitter);
    expect(BufferSource).toBe(core.BufferSource);
    expect(FilePathSource).toBe(core.FilePathSource);
    expect(StreamSource).toBe(core.StreamSource);
    expect(UrlSource).toBe(core.UrlSource);
    expect(InMemoryStateStore).toBe(core.InMemoryStateStore);
    expect(FileStateStore).toBe(core.FileStateStore);
    expect(JobStatus).toBe(core.JobStatus);
    expect(BatchStatus).toBe(core.BatchStatus);
  });

  it('calls each value with its published signature', async () => {
    const warning: ValidationError = {
      field: 'a',
      message: 'm',
      code: 'CUSTOM_VALIDATION',
      severity: 'warning' satisfies ErrorSeverity,
      category: 'CUSTOM' satisfies ErrorCategory,
    };
    const hard: ValidationError = { field: 'b', message: 'n', code: 'REQUIRED' };
    expect(hasErrors([warning])).toBe(false);
    expect(getWarnings([warning, hard])).toEqual([warning]);
    expect(getErrors([warning, hard])).toEqual([hard]);
    const ok: ValidationResult = validResult({ a: 1 });
    expect(ok).toEqual({ isValid: true, errors: [], parsed: { a: 1 } });
    expect(invalidResult([hard])).toEqual({ isValid: false, errors: [hard] });
    expect(isEmptyRow({ a: '', b: null })).toBe(true);
    expect(JobStatus.COMPLETED).toBe('COMPLETED');
    expect(BatchStatus.PENDING).toBe('PENDING');
    expect(typeof new BatchSplitter(2).split).toBe('function');

    const dir = await mkdtemp(join(tmpdir(), 'exports-'));
    try {
      const sources: DataSource[] = [
        new BufferSource('a\n1\n'),
        new FilePathSource(join(dir, 'missing.csv')),
        new StreamSource(new PassThrough()),
        new UrlSource('http://127.0.0.1:9/x.csv'),
      ];
      expect(sources.map((s) => typeof s.read)).toEqual([
        'function',
        'function',
        'function',
        'function',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    const fileStore: StateStore = new FileStateStore({
      directory: join(tmpdir(), 'exports-store'),
    });
    expect(typeof fileStore.saveJobState).toBe('function');
    const store: StateStore = new InMemoryStateStore();
    const engine = new BatchEngine({ stateStore: store }).fromRecords([{ a: 1 }]);
    const processed: RecordProcessorFn = () => Promise.resolve();
    await engine.start(processed);
    expect(engine.getStatus().status).toBe('COMPLETED');
  });

  it('covers the own values and the type exports', async () => {
    const type: FieldType = 'number';
    const result: ValidationFieldResult = { valid: true };
    const field: FieldDefinition = {
      name: 'n',
      type,
      required: true,
      customValidator: () => result,
    };
    const schema: SchemaDefinition = { fields: [field] };
    const validator = new SchemaValidator(schema);
    expect(validator.validate({ n: '1' }).isValid).toBe(true);
    expect(validator.validateUniqueness({ n: '1' }, new Map())).toEqual([]);
    expect(validator.resolveAliases({ N: '1' })).toEqual({ n: '1' });
    expect(validator.applyTransforms({ n: '1' })).toEqual({ n: '1' });
    expect([
      validator.isEmptyRow({}),
      validator.skipEmptyRows,
      validator.hasAliases,
      validator.hasUniqueFields,
    ]).toEqual([true, false, false, false]);

    const csvOptions: Partial<ParserOptions> = {
      delimiter: ',',
      encoding: 'utf-8',
      hasHeader: true,
    };
    const jsonOptions: JsonParserOptions = { format: 'auto' };
    const xmlOptions: XmlParserOptions = { recordTag: 'row' };
    const parsers: SourceParser[] = [
      new CsvParser(csvOptions),
      new JsonParser(jsonOptions),
      new XmlParser(xmlOptions),
    ];
    expect(parsers.map((p) => p.detect?.('x').encoding)).toEqual(['utf-8', 'utf-8', 'utf-8']);

    const checkResult: DuplicateCheckResult = { isDuplicate: false };
    const checker: DuplicateChecker = { check: () => Promise.resolve(checkResult) };
    const hooks: JobHooks = {
      beforeValidate: (record: RawRecord, context: HookContext) => {
        expectTypeOf(context.signal).toEqualTypeOf<AbortSignal>();
        return Promise.resolve(record);
      },
    };
    const config: BulkImportConfig = {
      schema,
      batchSize: 10,
      maxConcurrentBatches: 1,
      continueOnError: true,
      stateStore: new InMemoryStateStore(),
      maxRetries: 0,
      retryDelayMs: 1,
      hooks,
      duplicateChecker: checker,
    };
    const templateOptions: GenerateTemplateOptions = { exampleRows: 1 };
    expect(BulkImport.generateTemplate(schema, templateOptions)).toBe('n\n100');
    const importer = new BulkImport(config).from(new BufferSource('n\n1\n2\n'), new CsvParser());
    const events: DomainEvent[] = [];
    const onAny = (event: DomainEvent) => events.push(event);
    importer.onAny(onAny).offAny(onAny).onAny(onAny);
    importer.on('job:completed', (event: EventPayload<'job:completed'>) => {
      expectTypeOf(event).toEqualTypeOf<JobCompletedEvent>();
    });
    const preview: PreviewResult = await importer.preview(1);
    expect(preview.totalSampled).toBe(1);
    expect(await importer.count()).toBe(2);
    const options: ChunkOptions = { maxRecords: 10 };
    const chunk: ChunkResult = await importer.processChunk(
      (record: ParsedRecord, context: ProcessingContext) => {
        expect(context.jobId).toBe(importer.getJobId());
        expect(record.n).toMatch(/^[12]$/);
        return Promise.resolve();
      },
      options,
    );
    expect(chunk.done).toBe(true);
    const status: JobStatusResult = importer.getStatus();
    const batches: readonly Batch[] = status.batches;
    const progress: JobProgress = status.progress;
    expect([status.status, batches.length, progress.processedRecords]).toEqual(['COMPLETED', 1, 2]);
    const failed: readonly ProcessedRecord[] = await importer.getFailedRecords();
    expect(failed).toEqual([]);
    expect(importer.getPendingRecords()).toEqual([]);
    expect(events.map((e) => e.type)).toContain('chunk:completed');
    expect(await BulkImport.restore(importer.getJobId(), config)).toBeInstanceOf(BulkImport);

    const second = new BulkImport({ schema }).from(new BufferSource('n\n1\n'), new CsvParser());
    const run = second.start(() =>
      second.pause().then(() => {
        second.resume();
      }),
    );
    await run;
    const third = new BulkImport({ schema }).from(new BufferSource('n\n1\n2\n'), new CsvParser());
    await third.start(() => third.abort());
    expect(third.getStatus().status).toBe('ABORTED');
  });

  it('exports the published type names', () => {
    // Each published type is named once; a missing export fails the typecheck.
    type Published = [
      RawRecord,
      ParsedRecord,
      ProcessedRecord,
      RecordStatus,
      JobState,
      JobConfig,
      JobProgress,
      JobSummary,
      Batch,
      ValidationResult,
      ValidationError,
      ValidationErrorCode,
      ErrorSeverity,
      ErrorCategory,
      DataSource,
      StateStore,
      RecordProcessorFn,
      ProcessingContext,
      JobHooks,
      HookContext,
      DomainEvent,
      EventType,
      EventPayload<'job:started'>,
      JobStartedEvent,
      JobCompletedEvent,
      JobPausedEvent,
      JobAbortedEvent,
      JobFailedEvent,
      JobProgressEvent,
      BatchStartedEvent,
      BatchCompletedEvent,
      BatchFailedEvent,
      RecordProcessedEvent,
      RecordFailedEvent,
      RecordRetriedEvent,
      ChunkCompletedEvent,
      ChunkOptions,
      ChunkResult,
      JobStatusResult,
      BulkImportConfig,
      GenerateTemplateOptions,
      SchemaDefinition,
      FieldDefinition,
      FieldType,
      ValidationFieldResult,
      PreviewResult,
      SourceParser,
      ParserOptions,
      DuplicateChecker,
      DuplicateCheckResult,
      JsonParserOptions,
      XmlParserOptions,
    ];
    expectTypeOf<Published['length']>().toEqualTypeOf<52>();
  });
});
