import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, type ContextManager } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BufferSource,
  InMemoryDistributedStateStore,
  InvalidOptionError,
  LeaseLostError,
  type DistributedStateStore,
  type JobSummary,
} from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { DistributedImport, runWorker, type DistributedImportConfig } from '../../src/index';
import { fullPortStores, publishedPortOnly, useTestStore } from '../support/stores';
// Plain JS helpers shared with the worker processes of tests/multiprocess.
import { capture, finishedSpans, metricPoints, type Capture } from '../fixtures/otel-capture.mjs';

const RECORDS = 230;
const BATCH_SIZE = 50;
const BATCHES = Math.ceil(RECORDS / BATCH_SIZE);
const schema = {
  fields: [
    { name: 'id', type: 'number' as const, required: true },
    { name: 'email', type: 'email' as const, required: true },
  ],
};

/** Every 23rd row has an email the schema refuses: the job has failed records too. */
function csv(): string {
  const lines = ['id,email'];
  for (let i = 0; i < RECORDS; i += 1) {
    lines.push(`${i},${i % 23 === 0 ? 'not-an-email' : `user${i}@example.com`}`);
  }
  return lines.join('\n');
}

type CapturedSpan = ReturnType<typeof finishedSpans>[number];
type Point = Awaited<ReturnType<typeof metricPoints>>[number];

function importer(
  store: DistributedStateStore,
  c: Capture,
  openTelemetry: DistributedImportConfig['openTelemetry'],
): DistributedImport {
  return new DistributedImport({
    schema,
    batchSize: BATCH_SIZE,
    stateStore: store,
    openTelemetry: {
      tracerProvider: c.tracerProvider,
      meterProvider: c.meterProvider,
      propagator: new W3CTraceContextPropagator(),
      ...openTelemetry,
    },
  });
}

/** Two workers (importers of their own, as in two processes) run the job to its end. */
async function runTwoWorkers(
  c: Capture,
  workers: DistributedImport[],
  jobId: string,
): Promise<JobSummary> {
  let summary: JobSummary | undefined;
  for (const w of workers) w.on('job:completed', (e) => (summary = e.summary));
  const tracer = c.tracerProvider.getTracer('processor');
  await Promise.all(
    workers.map((w, i) =>
      runWorker(
        w,
        jobId,
        async () => {
          // The processor's own span: a child of the batch span.
          await tracer.startActiveSpan('target write', async (span) => {
            await Promise.resolve();
            span.end();
          });
        },
        { workerId: `w${i}` },
      ),
    ),
  );
  if (summary === undefined) throw new Error('no job:completed');
  return summary;
}

function sumOf(points: Point[], name: string): number {
  return points
    .filter((p) => p.name === name)
    .reduce((n, p) => n + (typeof p.value === 'number' ? p.value : p.value.count), 0);
}

/** Every attribute value of every span, span event and data point, as strings. */
function attributeValues(spans: CapturedSpan[], points: Point[]): string[] {
  const all = [
    ...spans.flatMap((s) => [s.attributes, ...s.events.map((e) => e.attributes)]),
    ...points.map((p) => p.attributes),
  ];
  return all.flatMap((a) => Object.values(a).map(String));
}

let manager: ContextManager;
beforeAll(() => {
  // The processor's spans nest under the batch span through the active context.
  manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
});
afterAll(() => {
  manager.disable();
  context.disable();
});

describe.each(fullPortStores)('OpenTelemetry on $name', (factory) => {
  const t = useTestStore(factory);

  it('one import is one trace whose spans and metrics match the summary', async () => {
    const c = capture();
    const orchestrator = importer(t.store, c, { propagateContext: true });
    const { jobId } = await orchestrator.prepare(new BufferSource(csv()), new CsvParser());
    const workers = [0, 1].map(() => importer(t.store, c, { propagateContext: true }));
    const summary = await runTwoWorkers(c, workers, jobId);
    expect(summary).toMatchObject({ total: RECORDS, processed: RECORDS - 10, failed: 10 });

    const spans = finishedSpans(c.exporter);
    const prepare = spans.filter((s) => s.name === `prepare ${jobId}`);
    const batches = spans.filter((s) => s.name === `process ${jobId}`);
    const finalize = spans.filter((s) => s.name === `finalize ${jobId}`);
    const writes = spans.filter((s) => s.name === 'target write');
    expect(prepare).toHaveLength(1);
    const root = prepare[0] as CapturedSpan;
    expect(root.attributes).toMatchObject({
      'batchactions.prepare.records': RECORDS,
      'batchactions.prepare.batches': BATCHES,
      'messaging.system': 'batchactions',
      'messaging.operation.type': 'send',
    });
    // One trace: every batch is a child of the prepare, the finalisation of the last batch.
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([root.traceId]));
    expect(batches).toHaveLength(BATCHES);
    expect(batches.every((b) => b.parentSpanId === root.spanId)).toBe(true);
    expect(batches.map((b) => b.attributes['batchactions.batch.index']).sort()).toEqual([
      0, 1, 2, 3, 4,
    ]);
    const counted = (key: string) => batches.reduce((n, b) => n + Number(b.attributes[key]), 0);
    expect(counted('batchactions.batch.records_processed')).toBe(summary.processed);
    expect(counted('batchactions.batch.records_failed')).toBe(summary.failed);
    expect(finalize).toHaveLength(1);
    expect(finalize[0]?.attributes).toMatchObject({
      'batchactions.job.total': summary.total,
      'batchactions.job.processed': summary.processed,
      'batchactions.job.failed': summary.failed,
    });
    // One processor span per valid record, each under a batch span.
    const batchIds = new Set(batches.map((b) => b.spanId));
    expect(writes).toHaveLength(summary.processed);
    expect(writes.every((w) => batchIds.has(w.parentSpanId as string))).toBe(true);

    const points = await metricPoints(c.reader);
    expect(sumOf(points, 'batchactions.records.processed')).toBe(summary.processed);
    expect(sumOf(points, 'batchactions.records.failed')).toBe(summary.failed);
    expect(sumOf(points, 'batchactions.batches.claimed')).toBe(BATCHES);
    expect(sumOf(points, 'messaging.process.duration')).toBe(BATCHES);
    expect(sumOf(points, 'batchactions.processor.duration')).toBe(summary.processed);
    expect(sumOf(points, 'batchactions.prepare.records')).toBe(RECORDS);
    expect(sumOf(points, 'batchactions.leases.lost')).toBe(0);
    // No record value anywhere: no email, no source row.
    const values = attributeValues(spans, points);
    expect(values.filter((v) => v.includes('@') || v.includes('not-an-email'))).toEqual([]);
  });

  it('without propagateContext each batch span starts in the worker context', async () => {
    const c = capture();
    const orchestrator = importer(t.store, c, {});
    const { jobId } = await orchestrator.prepare(new BufferSource(csv()), new CsvParser());
    await runTwoWorkers(c, [importer(t.store, c, {}), importer(t.store, c, {})], jobId);
    const spans = finishedSpans(c.exporter);
    const root = spans.find((s) => s.name === `prepare ${jobId}`) as CapturedSpan;
    const batches = spans.filter((s) => s.name === `process ${jobId}`);
    expect(batches).toHaveLength(BATCHES);
    expect(batches.some((b) => b.traceId === root.traceId)).toBe(false);
    expect(await t.store.getTraceContext?.(jobId)).toBeNull();
  });

  it('stores, reads back and purges the trace context with the job', async () => {
    const store = t.store;
    const carrier = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    expect(await store.saveTraceContext?.('no-such-job', carrier)).toBe(false);
    expect(await store.getTraceContext?.('no-such-job')).toBeNull();
    const di = new DistributedImport({ schema, stateStore: store, batchSize: BATCH_SIZE });
    const { jobId } = await di.prepare(new BufferSource(csv()), new CsvParser());
    expect(await store.getTraceContext?.(jobId)).toBeNull();
    expect(await store.saveTraceContext?.(jobId, carrier)).toBe(true);
    // Saving the same carrier again is still a save (MySQL counts changed rows only).
    expect(await store.saveTraceContext?.(jobId, carrier)).toBe(true);
    expect(await store.getTraceContext?.(jobId)).toEqual(carrier);
    await di.purge(jobId);
    expect(await store.getTraceContext?.(jobId)).toBeNull();
  });
});

describe('OpenTelemetry on any store', () => {
  it('a store without saveTraceContext (the published port) runs the job, unpropagated', async () => {
    const store = publishedPortOnly(new InMemoryDistributedStateStore());
    const c = capture();
    const orchestrator = importer(store, c, { propagateContext: true });
    const { jobId } = await orchestrator.prepare(new BufferSource(csv()), new CsvParser());
    const summary = await runTwoWorkers(
      c,
      [
        importer(store, c, { propagateContext: true }),
        importer(store, c, { propagateContext: true }),
      ],
      jobId,
    );
    expect(summary.processed + summary.failed).toBe(RECORDS);
    const spans = finishedSpans(c.exporter);
    expect(spans.filter((s) => s.name === `process ${jobId}`)).toHaveLength(BATCHES);
  });

  it('enabled: false records nothing', async () => {
    const store = new InMemoryDistributedStateStore();
    const c = capture();
    const di = importer(store, c, { enabled: false, propagateContext: true });
    const { jobId } = await di.prepare(new BufferSource(csv()), new CsvParser());
    await runTwoWorkers(c, [di, importer(store, c, { enabled: false })], jobId);
    await di.pause(jobId);
    // Only the processor's own spans (made with the test's tracer): none of the importer's.
    expect(c.exporter.getFinishedSpans().filter((s) => s.name !== 'target write')).toEqual([]);
    expect(await metricPoints(c.reader)).toEqual([]);
    expect(await store.getTraceContext(jobId)).toBeNull();
  });

  it('control calls have spans that say whether they changed the job', async () => {
    const store = new InMemoryDistributedStateStore();
    const c = capture();
    const di = importer(store, c, {});
    const { jobId } = await di.prepare(new BufferSource(csv()), new CsvParser());
    expect(await di.pause(jobId)).toBe(true);
    expect(await di.pause(jobId)).toBe(false);
    expect(await di.resume(jobId)).toBe(true);
    expect(await di.cancel(jobId)).toBe(true);
    expect(await di.purge(jobId)).toBe(true);
    const control = finishedSpans(c.exporter)
      .filter((s) => s.attributes['batchactions.control.operation'] !== undefined)
      .map((s) => [s.name, s.attributes['batchactions.control.changed']]);
    expect(control).toEqual([
      [`pause ${jobId}`, true],
      [`pause ${jobId}`, false],
      [`resume ${jobId}`, true],
      [`cancel ${jobId}`, true],
      [`purge ${jobId}`, true],
    ]);
  });

  it('a lost lease ends its batch span with an error and is counted', async () => {
    const inner = new InMemoryDistributedStateStore();
    let refused = false;
    // The first fenced write is refused, as when another worker reclaimed the batch.
    const store: DistributedStateStore = Object.assign(Object.create(inner) as object, {
      completeBatch: (...args: Parameters<InMemoryDistributedStateStore['completeBatch']>) => {
        if (!refused) {
          refused = true;
          const [lease] = args;
          return Promise.reject(
            new LeaseLostError(lease.jobId, lease.batchId, lease.workerId, lease.attempt),
          );
        }
        return inner.completeBatch(...args);
      },
    }) as DistributedStateStore;
    const c = capture();
    const di = importer(store, c, {});
    const { jobId } = await di.prepare(new BufferSource(csv()), new CsvParser());
    await expect(di.processWorkerBatch(jobId, () => undefined, 'w0')).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    const span = finishedSpans(c.exporter).find((s) => s.name === `process ${jobId}`);
    expect(span?.status.code).toBe(2);
    expect(span?.attributes['error.type']).toBe('LeaseLostError');
    expect(span?.events.map((e) => e.name)).toContain('batch.lease_lost');
    const points = await metricPoints(c.reader);
    expect(sumOf(points, 'batchactions.leases.lost')).toBe(1);
    expect(sumOf(points, 'batchactions.records.processed')).toBe(0);
  });

  it('counts reclaimed and quarantined stale batches apart', async () => {
    // A clock of the test's: claims go stale when it moves, not with the wall clock.
    let now = 1_000_000;
    const store = new InMemoryDistributedStateStore({ now: () => now });
    const c = capture();
    const make = () =>
      new DistributedImport({
        schema,
        batchSize: BATCH_SIZE,
        stateStore: store,
        maxBatchAttempts: 2,
        openTelemetry: { tracerProvider: c.tracerProvider, meterProvider: c.meterProvider },
      });
    const { jobId } = await make().prepare(new BufferSource(csv()), new CsvParser());
    // Two workers die holding batches: the first sweep puts both back (attempt 1 of 2).
    const dead = async (workerId: string) => {
      const claim = await store.claimBatch(jobId, workerId);
      if (!claim.claimed) throw new Error('expected a claim');
      return claim.reservation;
    };
    expect((await dead('dead-1')).batchIndex).toBe(0);
    expect((await dead('dead-2')).batchIndex).toBe(1);
    now += 3_600_000;
    // Each worker is a fresh importer (as a fresh process): its first claim sweeps.
    await make().processWorkerBatch(jobId, () => undefined, 'w1');
    // Batch 0 (or 1) claimed again and abandoned again: its second attempt was its last.
    const again = await dead('dead-3');
    expect(again.attempt).toBe(2);
    now += 3_600_000;
    await runWorker(make(), jobId, () => undefined, { workerId: 'w2' });
    const points = await metricPoints(c.reader);
    expect(sumOf(points, 'batchactions.batches.reclaimed')).toBe(2);
    expect(sumOf(points, 'batchactions.batches.quarantined')).toBe(1);
    const status = await store.getDistributedStatus(jobId);
    expect(status.failedBatches).toBe(1);
  });

  it('a bad openTelemetry option names itself', () => {
    const store = new InMemoryDistributedStateStore();
    const make = (openTelemetry: unknown) => () =>
      new DistributedImport({
        schema,
        stateStore: store,
        openTelemetry: openTelemetry as DistributedImportConfig['openTelemetry'],
      });
    expect(make({ enabled: 'yes' })).toThrow(/openTelemetry\.enabled/);
    expect(make({ tracerProvider: {} })).toThrow(InvalidOptionError);
    expect(make({ tracerProvider: {} })).toThrow(/openTelemetry\.tracerProvider/);
    expect(make(null)).toThrow(/openTelemetry/);
  });
});
