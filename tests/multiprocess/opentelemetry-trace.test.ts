import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BufferSource } from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { DistributedImport } from '../../src/index';
import { requireBuild, startWorker } from '../support/child-workers';
import { postgresTargetRig, sqliteTargetRig, type TargetRig } from '../support/target-rigs';
import {
  CollectingReader,
  finishedSpans,
  type CapturedSpan,
  type MetricPoint,
} from '../fixtures/otel-capture.mjs';

const RECORDS = 4_000;
const BATCH_SIZE = 100;
const BATCHES = RECORDS / BATCH_SIZE;
const INVALID = 40;
const workerScript = fileURLToPath(new URL('../fixtures/otel-worker.mjs', import.meta.url));

/** Every 100th row has an email the schema refuses. */
function csv(): string {
  const lines = ['id,email'];
  for (let i = 0; i < RECORDS; i += 1) {
    lines.push(`${i},${i % 100 === 0 ? 'not-an-email' : `user${i}@example.com`}`);
  }
  return lines.join('\n');
}

interface OtelReport {
  readonly workerId: string;
  readonly spans: CapturedSpan[];
  readonly metrics: MetricPoint[];
}

function sumOf(points: MetricPoint[], name: string): number {
  return points
    .filter((p) => p.name === name)
    .reduce((n, p) => n + (typeof p.value === 'number' ? p.value : p.value.count), 0);
}

describe.each([
  { name: 'SqliteStateStore', rig: () => sqliteTargetRig('otel'), pkg: 'state-sqlite' as const },
  {
    name: 'PostgresStateStore',
    rig: () => postgresTargetRig('otel'),
    pkg: 'state-postgres' as const,
  },
])('OpenTelemetry across 4 worker processes on $name', ({ rig: makeRig, pkg }) => {
  let rig: TargetRig;
  beforeAll(() => {
    requireBuild(pkg);
  });
  beforeEach(async () => {
    rig = await makeRig();
  });
  afterEach(async () => {
    await rig.dispose();
  });

  it('one import is one trace; its spans and metrics match the summary', async () => {
    const exporter = new InMemorySpanExporter();
    const reader = new CollectingReader();
    const orchestrator = new DistributedImport({
      schema: {
        fields: [
          { name: 'id', type: 'number', required: true },
          { name: 'email', type: 'email', required: true },
        ],
      },
      batchSize: BATCH_SIZE,
      stateStore: rig.store,
      openTelemetry: {
        propagateContext: true,
        tracerProvider: new BasicTracerProvider({
          spanProcessors: [new SimpleSpanProcessor(exporter)],
        }),
        meterProvider: new MeterProvider({ readers: [reader] }),
        propagator: new W3CTraceContextPropagator(),
      },
    });
    const { jobId } = await orchestrator.prepare(new BufferSource(csv()), new CsvParser());
    // Each worker holds its first batch until all four have one (see otel-worker.mjs).
    const barrier = mkdtempSync(join(tmpdir(), 'ba-otel-barrier-'));
    const workers = Array.from({ length: 4 }, (_, i) =>
      startWorker(
        {
          ...rig.env,
          JOB_ID: jobId,
          WORKER_ID: `p${i}`,
          BATCH_SIZE: String(BATCH_SIZE),
          BARRIER_DIR: barrier,
          BARRIER_COUNT: '4',
        },
        workerScript,
      ),
    );
    const results = await Promise.all(workers.map((w) => w.done));
    rmSync(barrier, { recursive: true, force: true });
    const reports = results.map((r) => {
      if (r.code !== 0 || !r.report)
        throw new Error(`worker exited ${String(r.code)}: ${r.stderr}`);
      return r.report as unknown as OtelReport;
    });
    const summary = await rig.store.getProgress(jobId);
    expect([summary.processedRecords, summary.failedRecords]).toEqual([RECORDS - INVALID, INVALID]);

    const prepare = finishedSpans(exporter).find((s) => s.name === `prepare ${jobId}`);
    expect(prepare).toBeDefined();
    const root = prepare as CapturedSpan;
    const spans = reports.flatMap((r) => r.spans);
    const batches = spans.filter((s) => s.name === `process ${jobId}`);
    // One trace across the five processes: every batch span is a child of the prepare span.
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([root.traceId]));
    expect(batches).toHaveLength(BATCHES);
    expect(batches.every((b) => b.parentSpanId === root.spanId)).toBe(true);
    expect(new Set(batches.map((b) => b.attributes['batchactions.worker.id'])).size).toBe(4);
    const counted = (key: string) => batches.reduce((n, b) => n + Number(b.attributes[key]), 0);
    expect(counted('batchactions.batch.records_processed')).toBe(summary.processedRecords);
    expect(counted('batchactions.batch.records_failed')).toBe(summary.failedRecords);
    const finalize = spans.filter((s) => s.name === `finalize ${jobId}`);
    expect(finalize).toHaveLength(1);
    expect(finalize[0]?.attributes['batchactions.job.processed']).toBe(summary.processedRecords);
    // The processors' spans (one per tenth record) nest under their batch spans.
    const batchIds = new Set(batches.map((b) => b.spanId));
    const writes = spans.filter((s) => s.name === 'target write');
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((w) => batchIds.has(w.parentSpanId as string))).toBe(true);

    const points = reports.flatMap((r) => r.metrics);
    expect(sumOf(points, 'batchactions.records.processed')).toBe(summary.processedRecords);
    expect(sumOf(points, 'batchactions.records.failed')).toBe(summary.failedRecords);
    expect(sumOf(points, 'batchactions.batches.claimed')).toBe(BATCHES);
    expect(sumOf(points, 'messaging.process.duration')).toBe(BATCHES);
    // No record value in any attribute.
    const values = [
      ...spans.flatMap((s) => [s.attributes, ...s.events.map((e) => e.attributes)]),
      ...points.map((p) => p.attributes),
    ].flatMap((a) => Object.values(a).map(String));
    expect(values.filter((v) => v.includes('@') || v.includes('not-an-email'))).toEqual([]);
  });
});
