// What tracking costs: parses a generated 500,000-row CSV and 200,000-record NDJSON and JSON
// array with `parseStream` and with `parseStreamFrom` (reading `cursor()` every 500 records, as
// prepare does once per batch), alternating in the same run, and prints records/s for each.
// Runs on the BUILT packages: `npm run build` first.
//
//   node packages/import/bench/parse-cursor.mjs [csvRows] [jsonRecords] [rounds]
//
// Inputs are generated once into the OS temp dir and reused. Each round runs every variant once
// (the order alternates between rounds); the best round of each is reported, with the median.
// Figures depend on the machine and on what else runs on it: compare the two columns of one run.
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const { CsvParser, JsonParser } = await import(join(here, '../dist/index.js'));
const { FilePathSource } = await import(join(here, '../../core/dist/index.js'));

const CSV_ROWS = Number(process.argv[2] ?? 500_000);
const JSON_RECORDS = Number(process.argv[3] ?? 200_000);
const ROUNDS = Number(process.argv[4] ?? 3);
const BATCH_SIZE = 500;
const CITIES = ['Zürich', 'São Paulo', 'Kraków', '東京', 'Reykjavík', 'Montréal', 'Αθήνα', 'Oslo'];

function csvRow(i) {
  const name = i % 7 === 0 ? `"Smith, ""J${i}"""` : `User ${i}`;
  const note = i % 11 === 0 ? `"line one\nline two, ${i}"` : i % 5 === 0 ? '' : `note ${i % 1000}`;
  return `${i},${name},user${i}@example.com,${CITIES[i % CITIES.length]},${note}\n`;
}

function jsonRecord(i) {
  return JSON.stringify({
    id: i,
    name: `User ${i}`,
    email: `user${i}@example.com`,
    city: CITIES[i % CITIES.length],
    tags: i % 3 === 0 ? ['a', 'b'] : [],
  });
}

async function writeLines(path, count, header, line) {
  const out = createWriteStream(path);
  let buffer = header;
  for (let i = 1; i <= count; i++) {
    buffer += line(i);
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
}

async function inputs() {
  const dir = join(tmpdir(), 'batchactions-bench');
  await mkdir(dir, { recursive: true });
  const csv = join(dir, `parse-cursor-${CSV_ROWS}.csv`);
  const ndjson = join(dir, `parse-cursor-${JSON_RECORDS}.ndjson`);
  const array = join(dir, `parse-cursor-${JSON_RECORDS}.json`);
  if (!existsSync(csv)) await writeLines(csv, CSV_ROWS, 'id,name,email,city,note\n', csvRow);
  if (!existsSync(ndjson)) await writeLines(ndjson, JSON_RECORDS, '', (i) => `${jsonRecord(i)}\n`);
  if (!existsSync(array)) {
    await writeLines(array, JSON_RECORDS, '[\n', (i) => `${i === 1 ? '' : ',\n'}${jsonRecord(i)}`);
    const out = createWriteStream(array, { flags: 'a' });
    out.end('\n]\n');
    await once(out, 'finish');
  }
  return { csv, ndjson, array };
}

/** Records/s of one pass; `tracked`: through parseStreamFrom, reading the cursor per batch. */
async function pass(makeParser, path, tracked) {
  const chunks = new FilePathSource(path).read();
  const parser = makeParser();
  const started = process.hrtime.bigint();
  let count = 0;
  let lastOffset = 0;
  if (tracked) {
    const records = parser.parseStreamFrom(chunks);
    for await (const _record of records) {
      if (++count % BATCH_SIZE === 0) lastOffset = records.cursor().byteOffset;
    }
    lastOffset = records.cursor().byteOffset;
  } else {
    for await (const _record of parser.parseStream(chunks)) count++;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { count, perSecond: count / seconds, lastOffset };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const files = await inputs();
const cases = [
  { name: `CSV ${CSV_ROWS} rows`, path: files.csv, make: () => new CsvParser() },
  {
    name: `CSV ${CSV_ROWS} rows, malformedRows 'invalid'`,
    path: files.csv,
    make: () => new CsvParser({ malformedRows: 'invalid' }),
  },
  { name: `NDJSON ${JSON_RECORDS} records`, path: files.ndjson, make: () => new JsonParser() },
  { name: `JSON array ${JSON_RECORDS} records`, path: files.array, make: () => new JsonParser() },
];

console.log(
  `node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? '?'}, ${ROUNDS} rounds, cursor read every ${BATCH_SIZE} records`,
);
console.log(
  'case | parseStream rec/s (best, median) | parseStreamFrom rec/s (best, median) | best ratio',
);
for (const { name, path, make } of cases) {
  const plain = [];
  const tracked = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [false, true] : [true, false];
    for (const isTracked of order) {
      const result = await pass(make, path, isTracked);
      (isTracked ? tracked : plain).push(result.perSecond);
      if (isTracked && round === 0) {
        console.log(`  ${name}: ${result.count} records, last cursor at byte ${result.lastOffset}`);
      }
    }
  }
  const best = (values) => Math.max(...values);
  const format = (values) =>
    `${Math.round(best(values)).toLocaleString('en')}, ${Math.round(median(values)).toLocaleString('en')}`;
  const ratio = best(tracked) / best(plain);
  console.log(`${name} | ${format(plain)} | ${format(tracked)} | ${(ratio * 100).toFixed(1)}%`);
}
