// Benchmark: what OpenTelemetry (issue 29) costs a user who registered no SDK. The same import
// runs in a fresh process per measurement (bench/otel-overhead-run.mjs), variants alternating in
// the same run, `--rounds` times each:
//   absent  @opentelemetry/api not installed (hidden by bench/hide-otel-api.mjs)
//   off     openTelemetry: { enabled: false }
//   no-sdk  the default: API installed, no SDK (every span and instrument a no-op)
//   sdk     an SDK recording every span and metric (in memory), for reference
// Stores: `memory` and `sqlite` (DistributedImport: a prepare, then one worker of 4 lanes),
// `bulk-import` (BulkImport, so BatchEngine, in one process). The order of the variants rotates
// each round. The median of each variant is reported, with its cost against `absent`; `absent`
// and `off` run the same code (nothing recorded, nothing called), so their difference is the
// run's noise floor.
// With --callgrind each measurement runs under `valgrind --tool=callgrind` and the figure is the
// process's instructions executed (Ir), which the machine's load does not change: use it on a
// shared machine (about 50 times slower: keep --rows small). Node runs with --single-threaded
// there (no background JIT or GC threads, whose progress against the main thread's would change
// the count), and costs are against `off`: `absent` also runs bench/hide-otel-api.mjs's module
// hook, a thread of its own.
// Usage: npm run build && node bench/otel-overhead.mjs [--rows 50000] [--batch-size 500]
//   [--rounds 5] [--stores memory,sqlite,bulk-import] [--callgrind]
//   [--variants absent,off,no-sdk,sdk] (`off` is needed with --callgrind, `absent` or `off` without)
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '50000' },
    'batch-size': { type: 'string', default: '500' },
    rounds: { type: 'string', default: '5' },
    stores: { type: 'string', default: 'memory,sqlite,bulk-import' },
    callgrind: { type: 'boolean', default: false },
    variants: { type: 'string', default: 'absent,off,no-sdk,sdk' },
  },
});
const VARIANTS = values.variants.split(',');
const BASE = VARIANTS.includes('absent') && !values.callgrind ? 'absent' : 'off';
const runScript = fileURLToPath(new URL('./otel-overhead-run.mjs', import.meta.url));
const hideApi = fileURLToPath(new URL('./hide-otel-api.mjs', import.meta.url));
const rows = Number(values.rows);

function measure(store, variant) {
  const nodeArgs = variant === 'absent' ? ['--import', hideApi, runScript] : [runScript];
  const env = {
    ...process.env,
    VARIANT: variant,
    STORE: store,
    ROWS: values.rows,
    BATCH_SIZE: values['batch-size'],
  };
  if (!values.callgrind) {
    const out = execFileSync(process.execPath, nodeArgs, { encoding: 'utf8', env });
    return JSON.parse(out.trim().split('\n').at(-1));
  }
  // Node's JIT writes code to the heap: valgrind must watch it (--smc-check).
  const run = spawnSync(
    'valgrind',
    [
      '--tool=callgrind',
      '--callgrind-out-file=/dev/null',
      '--smc-check=all-non-file',
      process.execPath,
      '--single-threaded',
      ...nodeArgs,
    ],
    { encoding: 'utf8', env, maxBuffer: 64 * 2 ** 20 },
  );
  const collected = /Collected : (\d+)/.exec(run.stderr);
  if (run.status !== 0 || collected === null) {
    throw new Error(`valgrind ${variant} on ${store} failed (${run.status}):\n${run.stderr}`);
  }
  return { instructions: Number(collected[1]) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => (n === null || n === undefined ? '—' : n.toLocaleString('en'));
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(
  `${values.rows} records, batch ${values['batch-size']}, ${values.rounds} rounds${values.callgrind ? ', instructions (callgrind)' : ''} — ${machine}`,
);
for (const store of values.stores.split(',')) {
  const runs = Object.fromEntries(
    VARIANTS.map((v) => [v, { prepare: [], process: [], instructions: [] }]),
  );
  for (let round = 1; round <= Number(values.rounds); round += 1) {
    // The order rotates each round: no variant always runs first (or right after another).
    const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]);
    for (const variant of order) {
      const result = measure(store, variant);
      const load = `(load ${loadavg()[0].toFixed(1)})`;
      if (values.callgrind) {
        runs[variant].instructions.push(result.instructions);
        console.log(
          `${store} round ${round} ${variant}: ${fmt(result.instructions)} instructions ${load}`,
        );
      } else {
        runs[variant].prepare.push(result.prepare);
        runs[variant].process.push(result.process);
        console.log(
          `${store} round ${round} ${variant}: prepare ${fmt(result.prepare)} rec/s, ` +
            `process ${fmt(result.process)} rec/s ${load}`,
        );
      }
    }
  }
  if (values.callgrind) {
    const base = median(runs[BASE].instructions);
    console.log(
      `| ${store} | variant | instructions (median) | min – max | vs off | vs off, per record |`,
    );
    for (const v of VARIANTS) {
      const xs = runs[v].instructions;
      const m = median(xs);
      console.log(
        `| ${store} | ${v} | ${fmt(m)} | ${fmt(Math.min(...xs))} – ${fmt(Math.max(...xs))} | ` +
          `${(((m - base) / base) * 100).toFixed(2)}% | ${fmt(Math.round((m - base) / rows))} |`,
      );
    }
    continue;
  }
  const rate = (phase, v) =>
    store === 'bulk-import' && phase === 'prepare' ? null : median(runs[v][phase]);
  const cost = (phase, v) => {
    const base = rate(phase, BASE);
    return base === null ? '—' : `${((base / rate(phase, v) - 1) * 100).toFixed(1)}%`;
  };
  console.log(
    `| ${store} | variant | prepare rec/s (median) | vs ${BASE} | process rec/s (median) | vs ${BASE} |`,
  );
  for (const v of VARIANTS) {
    console.log(
      `| ${store} | ${v} | ${fmt(rate('prepare', v))} | ${cost('prepare', v)} | ` +
        `${fmt(rate('process', v))} | ${cost('process', v)} |`,
    );
  }
}
