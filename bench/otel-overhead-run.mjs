// One measurement of bench/otel-overhead.mjs, in a process of its own, with the OpenTelemetry
// setting VARIANT; prints `{ prepare, process }` in records/s as one JSON line.
//   STORE=memory|sqlite  DistributedImport: prepares ROWS users into a fresh store and processes
//                        them with one worker of 4 lanes and a no-op processor;
//   STORE=bulk-import    BulkImport (so BatchEngine): one process validates and processes ROWS
//                        users with a no-op processor (`prepare` is null: there is none).
//   absent   run with --import ./bench/hide-otel-api.mjs: @opentelemetry/api cannot be loaded
//   off      openTelemetry: { enabled: false }
//   no-sdk   the default: the API is loaded, no SDK registered (every span and instrument no-op)
//   sdk      an SDK records everything (in-memory span exporter, a metric reader), for reference
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BufferSource, InMemoryDistributedStateStore } from '@batchactions/core';
import { DistributedImport, runWorker } from '@batchactions/distributed';
import { BulkImport, CsvParser } from '@batchactions/import';
import { schema, usersCsvLines } from './shared.mjs';

const { VARIANT: variant = 'no-sdk', STORE: storeKind = 'memory' } = process.env;
const rows = Number(process.env.ROWS ?? '50000');
const batchSize = Number(process.env.BATCH_SIZE ?? '500');

async function openTelemetryOption() {
  if (variant === 'off') return { enabled: false };
  if (variant !== 'sdk') return {};
  const { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } =
    await import('@opentelemetry/sdk-trace-base');
  const { MeterProvider, MetricReader } = await import('@opentelemetry/sdk-metrics');
  class Reader extends MetricReader {
    async onForceFlush() {}
    async onShutdown() {}
  }
  return {
    tracerProvider: new BasicTracerProvider({
      spanProcessors: [new BatchSpanProcessor(new InMemorySpanExporter())],
    }),
    meterProvider: new MeterProvider({ readers: [new Reader()] }),
  };
}

async function openStore() {
  if (storeKind === 'memory') return { store: new InMemoryDistributedStateStore(), close() {} };
  const { SqliteStateStore } = await import('@batchactions/state-sqlite');
  const dir = mkdtempSync(join(tmpdir(), 'ba-bench-otel-'));
  const store = new SqliteStateStore({ filename: join(dir, 'bench.sqlite') });
  await store.initialize();
  return {
    store,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

if (variant === 'absent') {
  // The hook must really hide the API, or `absent` measures the default.
  const hidden = await import('@opentelemetry/api').then(
    () => false,
    (error) => error.code === 'ERR_MODULE_NOT_FOUND',
  );
  if (!hidden)
    throw new Error(
      'absent: @opentelemetry/api is still importable (run with --import ./bench/hide-otel-api.mjs)',
    );
}
const text = [...usersCsvLines(rows)].join('');
if (storeKind === 'bulk-import') {
  const bulk = new BulkImport({
    schema,
    batchSize,
    continueOnError: true,
    openTelemetry: await openTelemetryOption(),
  }).from(new BufferSource(text), new CsvParser());
  const started = performance.now();
  await bulk.start(() => undefined);
  const rate = Math.round(rows / ((performance.now() - started) / 1000));
  const { processedRecords } = bulk.getStatus().progress;
  if (processedRecords !== rows) throw new Error(`processed ${processedRecords}, expected ${rows}`);
  console.log(JSON.stringify({ prepare: null, process: rate }));
  process.exit(0);
}
const { store, close } = await openStore();
const di = new DistributedImport({
  schema,
  batchSize,
  stateStore: store,
  openTelemetry: await openTelemetryOption(),
});
let started = performance.now();
const { jobId } = await di.prepare(new BufferSource(text), new CsvParser());
const prepare = Math.round(rows / ((performance.now() - started) / 1000));
started = performance.now();
const result = await runWorker(di, jobId, () => undefined, { workerId: 'bench', concurrency: 4 });
const process_ = Math.round(rows / ((performance.now() - started) / 1000));
if (result.processed !== rows) throw new Error(`processed ${result.processed}, expected ${rows}`);
await close();
console.log(JSON.stringify({ prepare, process: process_ }));
