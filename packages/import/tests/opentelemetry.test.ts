import { describe, expect, it } from 'vitest';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  BufferSource,
  BulkImport,
  CsvParser,
  InMemoryStateStore,
  type BulkImportConfig,
  type SchemaDefinition,
} from '@batchactions/import';
// Plain JS helpers shared with the facade's OpenTelemetry tests.
import {
  CollectingReader,
  finishedSpans,
  metricPoints,
} from '../../../tests/fixtures/otel-capture.mjs';

const SCHEMA: SchemaDefinition = {
  fields: [
    { name: 'email', type: 'email', required: true },
    { name: 'name', type: 'string', required: true },
  ],
};

/** 120 rows; every 10th has an email the schema refuses. */
function csv(): string {
  const lines = ['email,name'];
  for (let i = 0; i < 120; i++) {
    lines.push(`${i % 10 === 0 ? 'not-an-email' : `user${i}@example.com`},Name ${i}`);
  }
  return lines.join('\n');
}

function capture() {
  const exporter = new InMemorySpanExporter();
  const reader = new CollectingReader();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return { exporter, reader, openTelemetry: { tracerProvider, meterProvider } };
}

type Point = Awaited<ReturnType<typeof metricPoints>>[number];
const sumOf = (points: Point[], name: string) =>
  points
    .filter((p) => p.name === name)
    .reduce((n, p) => n + (typeof p.value === 'number' ? p.value : p.value.count), 0);

describe('BulkImport openTelemetry (issue 29)', () => {
  it('passes the option to its engine: a run span, a span per batch, metrics of the summary', async () => {
    const c = capture();
    const config: BulkImportConfig = {
      schema: SCHEMA,
      batchSize: 50,
      continueOnError: true,
      stateStore: new InMemoryStateStore(),
      openTelemetry: c.openTelemetry,
    };
    // A chunk, then the rest on a restored import: the option goes through restore() too.
    const first = new BulkImport(config).from(new BufferSource(csv()), new CsvParser());
    expect((await first.processChunk(() => undefined, { maxRecords: 50 })).done).toBe(false);
    const jobId = first.getJobId();
    const bulk = await BulkImport.restore(jobId, config);
    if (bulk === null) throw new Error('not restored');
    bulk.from(new BufferSource(csv()), new CsvParser());
    expect((await bulk.processChunk(() => undefined)).done).toBe(true);
    const { progress } = bulk.getStatus();
    expect(progress).toMatchObject({ processedRecords: 108, failedRecords: 12 });
    const spans = finishedSpans(c.exporter);
    const runs = spans.filter((s) => s.name === `run ${jobId}`);
    expect(runs.map((r) => r.attributes['batchactions.job.status'])).toEqual([
      'PAUSED',
      'COMPLETED',
    ]);
    const batches = spans.filter((s) => s.name === `process ${jobId}`);
    expect(batches).toHaveLength(3);
    const runIds = new Set(runs.map((r) => r.spanId));
    expect(batches.every((b) => runIds.has(b.parentSpanId as string))).toBe(true);
    const points = await metricPoints(c.reader);
    expect(sumOf(points, 'batchactions.records.processed')).toBe(108);
    expect(sumOf(points, 'batchactions.records.failed')).toBe(12);
    // No record value anywhere (the emails, the names).
    const values = [
      ...spans.flatMap((s) => Object.values(s.attributes)),
      ...points.flatMap((p) => Object.values(p.attributes)),
    ].map(String);
    expect(values.filter((v) => v.includes('@') || v.includes('Name'))).toEqual([]);
  });

  it('enabled: false records nothing', async () => {
    const c = capture();
    const bulk = new BulkImport({
      schema: SCHEMA,
      continueOnError: true,
      openTelemetry: { ...c.openTelemetry, enabled: false },
    }).from(new BufferSource(csv()), new CsvParser());
    await bulk.start(() => undefined);
    expect(bulk.getStatus().progress.processedRecords).toBe(108);
    expect(c.exporter.getFinishedSpans()).toEqual([]);
    expect(await metricPoints(c.reader)).toEqual([]);
  });
});
