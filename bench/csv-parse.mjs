// CsvParser alone (FilePathSource + parseStream, no store): records/s on four shapes of the
// same users file, with the fast path for simple lines on and off in the same run (issue 28).
// - plain: no quote anywhere (the other benchmarks' file);
// - quoted: every field wrapped in quotes, as spreadsheet exports write them;
// - doubled: the quoted file with a doubled quote in the name of every 10th row (`"User ""7"""`);
// - multiline: the quoted file with a line break inside the name of row 10 (a line the fast path
//   leaves to csv-parse, which then reads the rest of the file).
// Variants alternate, `--rounds` times; the median of each is printed.
// Usage: npm run build && node bench/csv-parse.mjs [--rows 300000] [--rounds 5]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FilePathSource } from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { usersCsvLines, writeLines } from './shared.mjs';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '300000' },
    rounds: { type: 'string', default: '5' },
  },
});
const rows = Number(values.rows);
const rounds = Number(values.rounds);
const SWITCH = Symbol.for('@batchactions/import:csv-simple-lines');

const dir = mkdtempSync(join(tmpdir(), 'ba-csv-parse-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const quoteLine = (line) =>
  `${line
    .slice(0, -1)
    .split(',')
    .map((field) => `"${field}"`)
    .join(',')}\n`;
/** The users file with every field quoted; `change(line, i)` rewrites data row `i`'s line. */
function* quotedLines(change = (line) => line) {
  let i = -1;
  for (const line of usersCsvLines(rows)) {
    yield i < 0 ? quoteLine(line) : change(quoteLine(line), i);
    i += 1;
  }
}
const files = {
  plain: join(dir, 'plain.csv'),
  quoted: join(dir, 'quoted.csv'),
  doubled: join(dir, 'doubled.csv'),
  multiline: join(dir, 'multiline.csv'),
};
await writeLines(files.plain, usersCsvLines(rows));
await writeLines(files.quoted, quotedLines());
await writeLines(
  files.doubled,
  quotedLines((line, i) => (i % 10 === 7 ? line.replace(/"User (\d+)"/, '"User ""$1"""') : line)),
);
await writeLines(
  files.multiline,
  quotedLines((line, i) => (i === 10 ? line.replace('"User ', '"User\n') : line)),
);

async function parseAll(file, fast) {
  globalThis[SWITCH] = fast;
  const started = performance.now();
  let n = 0;
  let last;
  for await (const record of new CsvParser().parseStream(new FilePathSource(file).read())) {
    n += 1;
    last = record;
  }
  const ms = performance.now() - started;
  if (n !== rows) throw new Error(`${file}: ${n} records, expected ${rows}`);
  if (last.email !== `user${rows - 1}@example.com`)
    throw new Error(`${file}: last record ${JSON.stringify(last)}`);
  return Math.round((rows / ms) * 1000);
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(
  `${rows.toLocaleString('en')} rows, ${rounds} rounds — ${machine}, load ${loadavg()[0].toFixed(1)}`,
);
const results = new Map();
for (let round = 0; round < rounds; round += 1) {
  for (const shape of Object.keys(files)) {
    for (const fast of [true, false]) {
      const key = `${shape}, fast path ${fast ? 'on' : 'off'}`;
      const rate = await parseAll(files[shape], fast);
      results.set(key, [...(results.get(key) ?? []), rate]);
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log('| file | fast path on (records/s, median) | off | on / off |');
console.log('|---|---|---|---|');
for (const shape of Object.keys(files)) {
  const on = median(results.get(`${shape}, fast path on`));
  const off = median(results.get(`${shape}, fast path off`));
  console.log(
    `| ${shape} | ${on.toLocaleString('en')} | ${off.toLocaleString('en')} | ${(on / off).toFixed(2)}× |`,
  );
}
for (const [k, v] of results) console.log(k, v.join(' '));
console.log(`load after: ${loadavg()[0].toFixed(1)}`);
