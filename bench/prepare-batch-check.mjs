// Benchmark: the cost of the end-of-prepare check (prepare reads the job's batch list back with
// `listPreparedBatches` before it opens the job, to find batches a store acknowledged and then
// lost), against the prepare it ends. Prepares --rows records of a small CSV from memory in
// batches of --batch-size on PostgreSQL and SQLite (batch payloads), then times the same read 5
// times. Usage: npm run build && node bench/prepare-batch-check.mjs [--rows 1000000]
//   [--batch-size 500]   (DATABASE_URL: the PostgreSQL server)
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { BufferSource } from '@batchactions/core';
import { DistributedImport } from '@batchactions/distributed';
import { CsvParser } from '@batchactions/import';
import { freshStore } from './stores.mjs';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    'batch-size': { type: 'string', default: '500' },
  },
});
const rows = Number(values.rows);
const batchSize = Number(values['batch-size']);
const csv = ['id,name', ...Array.from({ length: rows }, (_, i) => `${i},n${i}`)].join('\n');
console.log(
  `${rows} records, batch ${batchSize} — ${cpus().length} × ${cpus()[0]?.model.trim()}, ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
);
for (const kind of ['postgres', 'sqlite']) {
  const rig = await freshStore(kind, { batchPayloads: true });
  const store = await rig.open();
  try {
    const di = new DistributedImport({
      schema: { fields: [{ name: 'id', type: 'string' }] },
      batchSize,
      stateStore: store,
    });
    const started = performance.now();
    const { jobId, totalBatches } = await di.prepare(new BufferSource(csv), new CsvParser());
    const prepareMs = performance.now() - started;
    const reads = [];
    for (let i = 0; i < 5; i += 1) {
      const t = performance.now();
      const batches = await store.listPreparedBatches(jobId);
      reads.push(performance.now() - t);
      if (batches.length !== totalBatches) throw new Error(`read ${batches.length} batches`);
    }
    console.log(
      `${kind}: ${totalBatches} batches, prepare ${Math.round(prepareMs)} ms (check included); ` +
        `the batch list read: ${reads.map((t) => t.toFixed(1)).join(' / ')} ms`,
    );
  } finally {
    await store.close();
    await rig.dispose();
  }
}
