import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CsvParser } from '@batchactions/import';

const COLUMNS = ['id', 'name', 'note', 'city', 'amount'];
const CITIES = ['Zürich', 'São Paulo', '東京', 'Αθήνα', 'Kraków', '🏙️ Metro', 'Oslo'];

/** Deterministic rows mixing quotes, delimiters, line breaks and multi-byte characters. */
function makeRow(i: number): string[] {
  const name = i % 3 === 0 ? `Smith, "J${i}"` : i % 3 === 1 ? `Zoë ${i}` : `plain${i}`;
  const note =
    i % 5 === 0
      ? `first line\nsecond, line ${i}\r\nthird "q"`
      : i % 7 === 0
        ? ''
        : `note ${'x'.repeat(i % 40)}`;
  return [String(i), name, note, CITIES[i % CITIES.length]!, (i * 1.25).toFixed(2)];
}

describe('CsvParser on a file larger than 1 MB', () => {
  let dir: string;
  let path: string;
  const rows: string[][] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'batchactions-import-'));
    path = join(dir, 'large.csv');
    let size = 0;
    for (let i = 0; size < 1_200_000; i++) {
      const row = makeRow(i);
      rows.push(row);
      size += Buffer.byteLength(row.join(',')) + 8;
    }
    await writeFile(path, stringify([COLUMNS, ...rows], { record_delimiter: 'windows' }));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const chunkSize of [7, 1000, 65_536]) {
    it(`returns exactly the rows written, read in ${chunkSize}-byte chunks`, async () => {
      const chunks = createReadStream(path, { highWaterMark: chunkSize }) as AsyncIterable<Buffer>;
      let index = 0;
      for await (const record of new CsvParser().parseStream(chunks)) {
        const expected = rows[index];
        if (expected === undefined) throw new Error(`unexpected extra record ${index}`);
        const wanted = Object.fromEntries(COLUMNS.map((column, c) => [column, expected[c]]));
        // Compare only on mismatch-prone paths cheaply, with a full message on failure.
        if (JSON.stringify(record) !== JSON.stringify(wanted)) expect(record).toEqual(wanted);
        index++;
      }
      expect(index).toBe(rows.length);
    });
  }
});
