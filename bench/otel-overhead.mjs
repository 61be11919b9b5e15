// Benchmark: what OpenTelemetry (issue 29) costs a user who registered no SDK. The same import
// (prepare ROWS users, then one worker of 4 lanes with a no-op processor) runs in a fresh
// process per measurement, variants alternating in the same run, `--rounds` times each:
//   absent  @opentelemetry/api not installed (hidden by bench/hide-otel-api.mjs)
//   off     openTelemetry: { enabled: false }
//   no-sdk  the default: API installed, no SDK (every span and instrument a no-op)
//   sdk     an SDK recording every span and metric (in memory), for reference
// The order of the variants rotates each round. The median of each variant is reported, with its
// cost against `absent`; `absent` and `off` run the same code (nothing recorded, nothing called),
// so their difference is the run's noise floor.
// Usage: npm run build && node bench/otel-overhead.mjs [--rows 50000] [--batch-size 500]
//   [--rounds 5] [--stores memory,sqlite]
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '50000' },
    'batch-size': { type: 'string', default: '500' },
    rounds: { type: 'string', default: '5' },
    stores: { type: 'string', default: 'memory,sqlite' },
  },
});
const VARIANTS = ['absent', 'off', 'no-sdk', 'sdk'];
const runScript = fileURLToPath(new URL('./otel-overhead-run.mjs', import.meta.url));
const hideApi = fileURLToPath(new URL('./hide-otel-api.mjs', import.meta.url));

function measure(store, variant) {
  const args = variant === 'absent' ? ['--import', hideApi, runScript] : [runScript];
  const out = execFileSync(process.execPath, args, {
    encoding: 'utf8',
    env: {
      ...process.env,
      VARIANT: variant,
      STORE: store,
      ROWS: values.rows,
      BATCH_SIZE: values['batch-size'],
    },
  });
  return JSON.parse(out.trim().split('\n').at(-1));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(`${values.rows} records, batch ${values['batch-size']}, 4 lanes — ${machine}`);
for (const store of values.stores.split(',')) {
  const runs = Object.fromEntries(VARIANTS.map((v) => [v, { prepare: [], process: [] }]));
  for (let round = 1; round <= Number(values.rounds); round += 1) {
    // The order rotates each round: no variant always runs first (or right after another).
    const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]);
    for (const variant of order) {
      const rate = measure(store, variant);
      runs[variant].prepare.push(rate.prepare);
      runs[variant].process.push(rate.process);
      console.log(
        `${store} round ${round} ${variant}: prepare ${rate.prepare.toLocaleString('en')} rec/s, ` +
          `process ${rate.process.toLocaleString('en')} rec/s (load ${loadavg()[0].toFixed(1)})`,
      );
    }
  }
  const base = { prepare: median(runs.absent.prepare), process: median(runs.absent.process) };
  const cost = (phase, v) => ((base[phase] / median(runs[v][phase]) - 1) * 100).toFixed(1);
  console.log(
    `| ${store} | variant | prepare rec/s (median) | cost | process rec/s (median) | cost |`,
  );
  for (const v of VARIANTS) {
    console.log(
      `| ${store} | ${v} | ${median(runs[v].prepare).toLocaleString('en')} | ${cost('prepare', v)}% | ` +
        `${median(runs[v].process).toLocaleString('en')} | ${cost('process', v)}% |`,
    );
  }
}
