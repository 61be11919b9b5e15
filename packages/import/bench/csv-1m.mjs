// Streams a 1,000,000-row CSV through CsvParser.parseStream and reports rows, records/s and peak
// RSS. Runs on the BUILT packages: `npm run build -w packages/core -w packages/import` first.
//
//   node packages/import/bench/csv-1m.mjs [rows]
//
// The file is generated once into the OS temp dir (with a sidecar holding its row count and
// checksum) and reused. Pass 1 only counts rows (parser throughput); pass 2 checks every field
// against the checksum computed while writing.
import { once } from 'node:events';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const { CsvParser } = await import(join(here, '../dist/index.js'));

const ROWS = Number(process.argv[2] ?? 1_000_000);
const COLUMNS = ['id', 'name', 'email', 'city', 'note'];
const CITIES = ['Zürich', 'São Paulo', 'Kraków', '東京', 'Reykjavík', 'Montréal', 'Αθήνα', 'Oslo'];

/** FNV-1a over UTF-16 code units, folded field by field with separators. */
function fold(hash, text) {
  let h = hash;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return Math.imul(h ^ 0x1f, 16777619);
}

function rowValues(i) {
  const name = i % 7 === 0 ? `Smith, "J${i}"` : `User ${i}`;
  const note = i % 11 === 0 ? `line one\nline two, ${i}` : i % 5 === 0 ? '' : `note ${i % 1000}`;
  return [String(i), name, `user${i}@example.com`, CITIES[i % CITIES.length], note];
}

function csvField(value) {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

async function generate(path, metaPath) {
  const out = createWriteStream(path);
  let checksum = 0x811c9dc5;
  let buffer = `${COLUMNS.join(',')}\n`;
  for (let i = 1; i <= ROWS; i++) {
    const values = rowValues(i);
    for (const value of values) checksum = fold(checksum, value);
    buffer += `${values.map(csvField).join(',')}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
  writeFileSync(metaPath, JSON.stringify({ rows: ROWS, checksum }));
}

async function chunkSource(path) {
  const corePath = join(here, '../../core/dist/index.js');
  if (existsSync(corePath)) {
    const core = await import(corePath);
    if (typeof core.FilePathSource === 'function') {
      return { name: 'FilePathSource', read: () => new core.FilePathSource(path).read() };
    }
  }
  return {
    name: 'fs.createReadStream',
    read: () => createReadStream(path, { highWaterMark: 65_536 }),
  };
}

async function timed(label, source, onRecord) {
  const parser = new CsvParser();
  const started = process.hrtime.bigint();
  let rows = 0;
  for await (const record of parser.parseStream(source.read())) {
    rows++;
    onRecord?.(record);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(
    `${label}: ${rows.toLocaleString('en')} rows in ${seconds.toFixed(2)} s = ${Math.round(rows / seconds).toLocaleString('en')} records/s`,
  );
  return rows;
}

const dir = join(tmpdir(), 'batchactions-bench');
await mkdir(dir, { recursive: true });
const path = join(dir, `csv-${ROWS}.csv`);
const metaPath = `${path}.meta.json`;
if (!existsSync(path) || !existsSync(metaPath)) {
  console.log(`generating ${path} ...`);
  await generate(path, metaPath);
}
const expected = JSON.parse(readFileSync(metaPath, 'utf8'));
const source = await chunkSource(path);
console.log(`file: ${path} (${ROWS.toLocaleString('en')} rows), chunks from ${source.name}`);

const counted = await timed('pass 1, parse only', source);
let checksum = 0x811c9dc5;
const verified = await timed('pass 2, parse + checksum of every field', source, (record) => {
  for (const column of COLUMNS) checksum = fold(checksum, record[column]);
});

const peakMb = process.resourceUsage().maxRSS / 1024;
const ok =
  counted === expected.rows && verified === expected.rows && checksum === expected.checksum;
console.log(
  `checksum: ${checksum === expected.checksum ? 'match' : `MISMATCH (${checksum} != ${expected.checksum})`}`,
);
console.log(`peak RSS: ${peakMb.toFixed(1)} MB`);
console.log(ok ? 'OK' : 'FAILED');
process.exitCode = ok ? 0 : 1;
