import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, SpanStatusCode, type ContextManager } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BatchEngine,
  InvalidOptionError,
  type BatchEngineConfig,
  type JobSummary,
} from '@batchactions/core';
// Plain JS helpers shared with the facade's OpenTelemetry tests.
import { capture, finishedSpans, metricPoints } from '../../../../tests/fixtures/otel-capture.mjs';
import { collectEvents, RecordingStore, rows, trace } from './helpers';

const RECORDS = 230;
const BATCH_SIZE = 50;
const BATCHES = Math.ceil(RECORDS / BATCH_SIZE);

type CapturedSpan = ReturnType<typeof finishedSpans>[number];
type Point = Awaited<ReturnType<typeof metricPoints>>[number];

type Capture = ReturnType<typeof capture>;

function sumOf(points: Point[], name: string): number {
  return points
    .filter((p) => p.name === name)
    .reduce((n, p) => n + (typeof p.value === 'number' ? p.value : p.value.count), 0);
}

/** Every 23rd record is invalid; records 7 and 8 fail their first processor attempt. */
function engine(c: Capture | undefined, config: BatchEngineConfig = {}): BatchEngine {
  return new BatchEngine({
    batchSize: BATCH_SIZE,
    continueOnError: true,
    maxRetries: 1,
    retryDelayMs: 0,
    validate: (record) => {
      const id = (record as { id: number }).id;
      return id % 23 === 0
        ? {
            isValid: false,
            errors: [{ field: 'id', message: 'multiple of 23', code: 'CUSTOM_VALIDATION' }],
          }
        : { isValid: true, errors: [] };
    },
    ...(c === undefined
      ? {}
      : { openTelemetry: { tracerProvider: c.tracerProvider, meterProvider: c.meterProvider } }),
    ...config,
  }).fromRecords(rows(RECORDS));
}

/** A processor that fails the first attempt of records 7 and 8, with a span of its own. */
function processor(c: Capture | undefined) {
  const attempts = new Map<number, number>();
  const tracer = c?.tracerProvider.getTracer('processor');
  return async (record: Record<string, unknown>) => {
    const id = record.id as number;
    const n = (attempts.get(id) ?? 0) + 1;
    attempts.set(id, n);
    const write = async () => {
      await Promise.resolve();
      if ((id === 7 || id === 8) && n === 1) throw new Error('transient');
    };
    if (tracer === undefined) return write();
    return tracer.startActiveSpan('target write', async (span) => {
      try {
        await write();
      } finally {
        span.end();
      }
    });
  };
}

async function run(e: BatchEngine, c: Capture | undefined): Promise<JobSummary> {
  let summary: JobSummary | undefined;
  e.on('job:completed', (event) => (summary = event.summary));
  await e.start(processor(c));
  if (summary === undefined) throw new Error('no job:completed');
  return summary;
}

let manager: ContextManager;
beforeAll(() => {
  manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
});
afterAll(() => {
  manager.disable();
  context.disable();
});

describe('BatchEngine openTelemetry (issue 29)', () => {
  it.each([1, 3])(
    'a run is one span, each batch one child span, metrics match the summary (maxConcurrentBatches %i)',
    async (maxConcurrentBatches) => {
      const c = capture();
      const e = engine(c, { maxConcurrentBatches });
      const summary = await run(e, c);
      expect(summary).toMatchObject({ total: RECORDS, processed: RECORDS - 10, failed: 10 });
      const jobId = e.getJobId();

      const spans = finishedSpans(c.exporter);
      const runs = spans.filter((s) => s.name === `run ${jobId}`);
      const batches = spans.filter((s) => s.name === `process ${jobId}`);
      const writes = spans.filter((s) => s.name === 'target write');
      expect(runs).toHaveLength(1);
      const root = runs[0] as CapturedSpan;
      expect(root.attributes).toMatchObject({
        'messaging.system': 'batchactions',
        'batchactions.job.id': jobId,
        'batchactions.job.status': 'COMPLETED',
        'batchactions.job.processed': summary.processed,
        'batchactions.job.failed': summary.failed,
        'batchactions.run.chunked': false,
      });
      expect(batches).toHaveLength(BATCHES);
      expect(batches.every((b) => b.parentSpanId === root.spanId)).toBe(true);
      expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([root.traceId]));
      expect(batches.map((b) => b.attributes['batchactions.batch.index']).sort()).toEqual([
        0, 1, 2, 3, 4,
      ]);
      const counted = (key: string) => batches.reduce((n, b) => n + Number(b.attributes[key]), 0);
      expect(counted('batchactions.batch.records_processed')).toBe(summary.processed);
      expect(counted('batchactions.batch.records_failed')).toBe(summary.failed);
      // The processor's own spans (one per attempt) nest under their batch's span.
      const batchIds = new Set(batches.map((b) => b.spanId));
      expect(writes).toHaveLength(summary.processed + 2);
      expect(writes.every((w) => batchIds.has(w.parentSpanId as string))).toBe(true);

      const points = await metricPoints(c.reader);
      expect(sumOf(points, 'batchactions.records.processed')).toBe(summary.processed);
      expect(sumOf(points, 'batchactions.records.failed')).toBe(summary.failed);
      expect(sumOf(points, 'batchactions.records.retried')).toBe(2);
      expect(sumOf(points, 'messaging.process.duration')).toBe(BATCHES);
      expect(sumOf(points, 'batchactions.processor.duration')).toBe(summary.processed + 2);
      // No per-record attribute anywhere: one series per job.
      expect(points.every((p) => p.attributes['messaging.destination.name'] === jobId)).toBe(true);
    },
  );

  it('processChunk: one run span per call, batches under their call', async () => {
    const c = capture();
    const e = engine(c);
    const first = await e.processChunk(processor(c), { maxRecords: 100 });
    const second = await e.processChunk(processor(c));
    expect(first.done).toBe(false);
    expect(second.done).toBe(true);
    const jobId = e.getJobId();
    const spans = finishedSpans(c.exporter);
    const runs = spans.filter((s) => s.name === `run ${jobId}`);
    expect(runs.map((r) => r.attributes['batchactions.job.status'])).toEqual([
      'PAUSED',
      'COMPLETED',
    ]);
    expect(runs.every((r) => r.attributes['batchactions.run.chunked'] === true)).toBe(true);
    const under = (r: CapturedSpan) =>
      spans.filter((s) => s.name === `process ${jobId}` && s.parentSpanId === r.spanId).length;
    expect(runs.map(under)).toEqual([2, 3]);
  });

  it('a failed run ends its span and the failed batch span with an error', async () => {
    const c = capture();
    const e = engine(c, { continueOnError: false });
    await e.start(processor(c));
    expect(e.getStatus().status).toBe('FAILED');
    const jobId = e.getJobId();
    const spans = finishedSpans(c.exporter);
    const root = spans.find((s) => s.name === `run ${jobId}`);
    expect(root?.status.code).toBe(SpanStatusCode.ERROR);
    expect(root?.attributes['batchactions.job.status']).toBe('FAILED');
    const failed = spans.filter(
      (s) => s.name === `process ${jobId}` && s.status.code === SpanStatusCode.ERROR,
    );
    expect(failed).toHaveLength(1);
    expect(failed[0]?.attributes['error.type']).toBe('RecordFailedError');
  });

  it('enabled: false records nothing', async () => {
    const c = capture();
    const e = engine(undefined, {
      openTelemetry: {
        enabled: false,
        tracerProvider: c.tracerProvider,
        meterProvider: c.meterProvider,
      },
    });
    await run(e, undefined);
    expect(c.exporter.getFinishedSpans()).toEqual([]);
    expect(await metricPoints(c.reader)).toEqual([]);
  });

  it('events, store calls and results are the same with telemetry off, on without an SDK, and recording', async () => {
    const outcome = async (openTelemetry: BatchEngineConfig['openTelemetry'] | 'sdk') => {
      const store = new RecordingStore();
      const c = openTelemetry === 'sdk' ? capture() : undefined;
      const e = engine(c, {
        stateStore: store,
        ...(openTelemetry === 'sdk' ? {} : { openTelemetry }),
      });
      const events = collectEvents(e);
      await e.start(processor(undefined));
      const failed = await e.getFailedRecords();
      return {
        events: trace(events),
        calls: store.calls,
        status: e.getStatus().progress,
        failed: failed.map((r) => r.index),
      };
    };
    const off = await outcome({ enabled: false });
    const strip = (o: typeof off) => ({ ...o, status: { ...o.status, elapsedMs: 0 } });
    expect(strip(await outcome(undefined))).toEqual(strip(off));
    expect(strip(await outcome(null as unknown as undefined))).toEqual(strip(off));
    expect(strip(await outcome('sdk'))).toEqual(strip(off));
  });

  it('a bad openTelemetry option names itself', () => {
    const make = (openTelemetry: unknown) => () =>
      new BatchEngine({ openTelemetry: openTelemetry as BatchEngineConfig['openTelemetry'] });
    expect(make({ enabled: 'yes' })).toThrow(/openTelemetry\.enabled/);
    expect(make({ meterProvider: {} })).toThrow(InvalidOptionError);
    expect(make(5)).toThrow(/openTelemetry/);
  });
});
