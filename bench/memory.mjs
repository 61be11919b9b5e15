// Memory of a prepare and of a worker on a big file (issue 28): each in a process of its own,
// peak RSS, and the heap in use after a full GC (for a worker, every tenth of the job: flat when
// nothing is kept per record or per batch). Usage: npm run build && node bench/memory.mjs
//   [--rows 1000000] [--store sqlite|postgres] [--layout rows|payloads] [--node-flags="..."]
//   [--young-generation default|limited|both] [--rounds 1] [--sqlite-cache-kib N]
// (--node-flags: options for both node processes, e.g. --node-flags="--max-semi-space-size=1";
// --young-generation limited: the worker calls limitYoungGeneration() first; both: each variant
// in turn, a fresh job each, `--rounds` times, so that their figures share one run;
// --sqlite-cache-kib: the SQLite store's cacheSizeKiB in both processes.)
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
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
    'young-generation': { type: 'string', default: 'default' },
    rounds: { type: 'string', default: '1' },
    'sqlite-cache-kib': { type: 'string', default: '' },
  },
});
const rows = Number(values.rows);
const rounds = Number(values.rounds);
if (values.layout !== 'rows' && values.layout !== 'payloads') {
  throw new Error(`--layout: expected rows or payloads, got "${values.layout}"`);
}
const youngGeneration = values['young-generation'];
const variants =
  youngGeneration === 'both'
    ? ['default', 'limited']
    : youngGeneration === 'limited'
      ? ['limited']
      : ['default'];
if (!['default', 'limited', 'both'].includes(youngGeneration)) {
  throw new Error(
    `--young-generation: expected default, limited or both, got "${youngGeneration}"`,
  );
}
const dir = mkdtempSync(join(tmpdir(), 'ba-bench-memory-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'users.csv');
await writeUsersCsv(file, rows);

const cacheEnv = values['sqlite-cache-kib'] ? { SQLITE_CACHE_KIB: values['sqlite-cache-kib'] } : {};
const child = fileURLToPath(new URL('./memory-child.mjs', import.meta.url));
const nodeArgs = ['--expose-gc', ...values['node-flags'].split(' ').filter(Boolean)];

/** One prepare and one worker on a fresh store; the worker with the young generation given. */
async function measure(variant) {
  const rig = await freshStore(values.store, { batchPayloads: values.layout === 'payloads' });
  try {
    const prepared = await runBenchWorker(
      { ...rig.env, ...cacheEnv, FILE: file, MODE: 'prepare' },
      child,
      nodeArgs,
    );
    const worked = await runBenchWorker(
      {
        ...rig.env,
        ...cacheEnv,
        JOB_ID: prepared.jobId,
        TOTAL_BATCHES: String(Math.ceil(rows / 500)),
        MODE: 'work',
        YOUNG_GENERATION: variant,
      },
      child,
      nodeArgs,
    );
    if (worked.processed !== rows) throw new Error(`processed ${worked.processed} of ${rows}`);
    return { prepared, worked };
  } finally {
    await rig.dispose();
  }
}

function report(variant, { prepared, worked }) {
  console.log(`--- worker young generation: ${variant}`);
  console.log(
    `prepare: peak RSS ${prepared.maxRssMb} MB, RSS once loaded ${prepared.loadedRssMb} MB, ` +
      `heap after GC ${prepared.heapAfterGcMb[0]} MB`,
  );
  console.log(
    `worker:  peak RSS ${worked.maxRssMb} MB, RSS once loaded ${worked.loadedRssMb} MB, V8 heap reserved at the end ${worked.heapTotalMb} MB, ` +
      `heap after GC at each tenth of the job: ${worked.heapAfterGcMb.join(', ')} MB`,
  );
  console.log(
    `worker:  ${worked.recordsPerSecond.toLocaleString('en-US')} records/s, CPU ${worked.cpuMs} ms ` +
      `(${((worked.cpuMs * 1000) / rows).toFixed(2)} µs per record, loading included)`,
  );
  console.log(`worker:  RSS at each tenth of the job: ${worked.rssMb.join(', ')} MB`);
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
}

console.log(
  `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ` +
    `load average ${loadavg()[0].toFixed(1)} at the start`,
);
console.log(
  `${rows.toLocaleString('en-US')} rows, ${values.store}, layout ${values.layout}, node ${nodeArgs.join(' ')}` +
    (values['sqlite-cache-kib'] ? `, SQLite cache ${values['sqlite-cache-kib']} KiB` : ''),
);
for (let round = 1; round <= rounds; round++) {
  for (const variant of variants) {
    if (rounds > 1) console.log(`=== round ${round}`);
    report(variant, await measure(variant));
  }
}
console.log(`load average ${loadavg()[0].toFixed(1)} at the end`);
