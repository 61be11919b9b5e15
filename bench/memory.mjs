// Memory of a prepare and of a worker on a big file (issue 28): each in a process of its own,
// peak RSS, and the heap in use after a full GC (for a worker, every tenth of the job: flat when
// nothing is kept per record or per batch). Usage: npm run build && node bench/memory.mjs
//   [--rows 1000000] [--store sqlite|postgres] [--layout rows|payloads] [--node-flags="..."]
// (--node-flags: options for both node processes, e.g. --node-flags="--max-semi-space-size=1")
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runBenchWorker, writeUsersCsv } from './shared.mjs';
import { freshStore } from './stores.mjs';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    store: { type: 'string', default: 'sqlite' },
    layout: { type: 'string', default: 'rows' },
    'node-flags': { type: 'string', default: '' },
  },
});
const rows = Number(values.rows);
if (values.layout !== 'rows' && values.layout !== 'payloads') {
  throw new Error(`--layout: expected rows or payloads, got "${values.layout}"`);
}
const dir = mkdtempSync(join(tmpdir(), 'ba-bench-memory-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'users.csv');
await writeUsersCsv(file, rows);

const child = fileURLToPath(new URL('./memory-child.mjs', import.meta.url));
const nodeArgs = ['--expose-gc', ...values['node-flags'].split(' ').filter(Boolean)];
const rig = await freshStore(values.store, { batchPayloads: values.layout === 'payloads' });
try {
  const prepared = await runBenchWorker(
    { ...rig.env, FILE: file, MODE: 'prepare' },
    child,
    nodeArgs,
  );
  const worked = await runBenchWorker(
    {
      ...rig.env,
      JOB_ID: prepared.jobId,
      TOTAL_BATCHES: String(Math.ceil(rows / 500)),
      MODE: 'work',
    },
    child,
    nodeArgs,
  );
  if (worked.processed !== rows) throw new Error(`processed ${worked.processed} of ${rows}`);
  console.log(
    `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  console.log(
    `${rows.toLocaleString('en-US')} rows, ${values.store}, layout ${values.layout}, node ${nodeArgs.join(' ')}`,
  );
  console.log(
    `prepare: peak RSS ${prepared.maxRssMb} MB, RSS once loaded ${prepared.loadedRssMb} MB, ` +
      `heap after GC ${prepared.heapAfterGcMb[0]} MB`,
  );
  console.log(
    `worker:  peak RSS ${worked.maxRssMb} MB, RSS once loaded ${worked.loadedRssMb} MB, V8 heap reserved at the end ${worked.heapTotalMb} MB, ` +
      `heap after GC at each tenth of the job: ${worked.heapAfterGcMb.join(', ')} MB`,
  );
  if (worked.rssMb !== undefined) {
    console.log(`worker:  RSS at each tenth of the job: ${worked.rssMb.join(', ')} MB`);
  }
  for (const [name, run] of [
    ['prepare', prepared],
    ['worker', worked],
  ]) {
    const spaces = Object.entries(run.spacesMb)
      .filter(([, size]) => size > 0)
      .map(([space, size]) => `${space} ${size}`)
      .join(', ');
    console.log(
      `${name} at the end: RSS anonymous ${run.endRss.anonMb} MB, files ${run.endRss.fileMb} MB, ` +
        `external ${run.externalMb} MB; V8 spaces (MB): ${spaces}`,
    );
  }
} finally {
  await rig.dispose();
}
