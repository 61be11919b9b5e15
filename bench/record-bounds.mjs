// Feeds one line of 1 GiB without a line break to each parser (CSV, JSON array, NDJSON, XML)
// through parseStream in 64 KiB chunks, and prints how it ended, the time and the peak RSS.
// Each format runs in its own child process so the peaks do not mix.
// Usage: node bench/record-bounds.mjs [GiB=1]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const formats = ['csv', 'json', 'ndjson', 'xml'];
const gib = Number(process.argv[2] ?? '1');

if (process.argv[3] === '--child') {
  const format = process.argv[4];
  const { CsvParser, JsonParser, XmlParser } = await import('@batchactions/import');
  const parser =
    format === 'csv'
      ? new CsvParser()
      : format === 'xml'
        ? new XmlParser({ recordTag: 'r' })
        : new JsonParser({ format: format === 'json' ? 'array' : 'ndjson' });
  const head = { csv: 'id,name\n1,', json: '[{"a":"', ndjson: '{"a":"', xml: '<rows><r><a>' }[
    format
  ];
  const chunk = Buffer.alloc(64 * 1024, 'x'.charCodeAt(0));
  const total = gib * 1024 * 1024 * 1024;
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  async function* source() {
    yield Buffer.from(head);
    for (let sent = 0; sent < total; sent += chunk.length) {
      peak = Math.max(peak, process.memoryUsage.rss());
      yield chunk;
    }
  }
  const started = process.hrtime.bigint();
  let outcome;
  try {
    let n = 0;
    for await (const _ of parser.parseStream(source())) n++;
    outcome = `ended with ${n} records`;
  } catch (error) {
    outcome = `${error.name}: ${error.message}`;
  }
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage.rss());
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(
    JSON.stringify({ format, ms: Math.round(ms), peakRssMiB: Math.round(peak / 2 ** 20), outcome }),
  );
} else {
  const self = fileURLToPath(import.meta.url);
  for (const format of formats) {
    process.stdout.write(execFileSync(process.execPath, [self, String(gib), '--child', format]));
  }
}
