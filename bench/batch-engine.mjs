// Benchmark: core BatchEngine over an N-row CSV file read by FilePathSource (64 KiB chunks)
// and parsed by CsvParser.parseStream, with a no-op processor, for 1 and 4 concurrent batches.
// Each run is a child process so its peak RSS is its own. Two stores: the default
// InMemoryStateStore (keeps every record in memory, as published) and a store that keeps only
// the job (shows the engine's own memory, flat in file size).
// Usage: npm run build && node bench/batch-engine.mjs [--rows 1000000] [--batch-size 1000]
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { usersCsvLines } from './shared.mjs';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    'batch-size': { type: 'string', default: '1000' },
    child: { type: 'string' },
    file: { type: 'string' },
    concurrency: { type: 'string' },
    store: { type: 'string' },
  },
});

if (values.child) {
  await runChild();
} else {
  await runParent();
}

async function runChild() {
  const { BatchEngine, FilePathSource, InMemoryStateStore } = await import('@batchactions/core');
  const { CsvParser } = await import('@batchactions/import');
  /** Keeps the job, counts records, keeps none of them. */
  class JobOnlyStore extends InMemoryStateStore {
    records = 0;
    saveProcessedRecord() {
      this.records += 1;
      return Promise.resolve();
    }
  }
  const stateStore = values.store === 'memory' ? new InMemoryStateStore() : new JobOnlyStore();
  const engine = new BatchEngine({
    batchSize: Number(values['batch-size']),
    maxConcurrentBatches: Number(values.concurrency),
    stateStore,
  });
  engine.from(new FilePathSource(values.file), new CsvParser());
  const started = performance.now();
  await engine.start(() => undefined);
  const ms = performance.now() - started;
  const { status, progress } = engine.getStatus();
  process.stdout.write(
    JSON.stringify({
      status,
      processed: progress.processedRecords,
      ms,
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
}

async function writeCsv(path, rows) {
  const out = createWriteStream(path);
  for (const line of usersCsvLines(rows)) {
    if (!out.write(line)) await new Promise((resolve) => out.once('drain', resolve));
  }
  await new Promise((resolve, reject) => out.end((error) => (error ? reject(error) : resolve())));
}

async function runParent() {
  const rows = Number(values.rows);
  const dir = mkdtempSync(join(tmpdir(), 'ba-engine-bench-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'users.csv');
  await writeCsv(file, rows);
  const script = fileURLToPath(import.meta.url);
  const results = [];
  for (const store of ['job-only', 'memory']) {
    for (const concurrency of [1, 4]) {
      const child = spawnSync(
        process.execPath,
        [
          script,
          '--child',
          '1',
          '--file',
          file,
          '--concurrency',
          String(concurrency),
          '--store',
          store,
          '--batch-size',
          values['batch-size'],
        ],
        { encoding: 'utf8', maxBuffer: 1 << 20 },
      );
      if (child.status !== 0) throw new Error(`child failed: ${child.stderr}`);
      const r = JSON.parse(child.stdout);
      if (r.processed !== rows || r.status !== 'COMPLETED') {
        throw new Error(`expected ${rows} processed, got ${JSON.stringify(r)}`);
      }
      results.push({ store, concurrency, rate: Math.round((rows / r.ms) * 1000), ...r });
      console.log(
        `${store}, ${concurrency} concurrent: ${results.at(-1).rate} records/s, peak RSS ${r.maxRssMb} MB`,
      );
    }
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} at the end`;
  console.log(
    `\n${rows.toLocaleString('en')} rows (${Math.round(statSync(file).size / 2 ** 20)} MiB), batch ${values['batch-size']}. ${machine}`,
  );
  console.log('\n| store | concurrent batches | records/s | peak RSS |\n|---|---|---|---|');
  for (const r of results)
    console.log(
      `| ${r.store} | ${r.concurrency} | ${r.rate.toLocaleString('en')} | ${r.maxRssMb} MB |`,
    );
}
