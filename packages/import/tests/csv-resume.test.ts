import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CsvParser,
  JsonParser,
  ParseResumeError,
  type CsvParserOptions,
  type ParseCursor,
} from '@batchactions/import';
import { splitAt } from './helpers/chunks';
import { expectResumableEverywhere } from './helpers/resume';

const cuts = fc.array(fc.nat(), { maxLength: 10 });

/** Small CSV inputs with the features that make resuming hard. */
const CASES: readonly { name: string; text: string; options?: Partial<CsvParserOptions> }[] = [
  { name: 'header', text: 'id,name\n1,Ann\n2,Bob\n3,Zoë\n' },
  { name: 'no trailing line break', text: 'id,name\n1,Ann\n2,Bob' },
  { name: 'BOM and CRLF', text: '\uFEFFid,name\r\n1,Ann\r\n2,"B\r\nob"\r\n3,€\r\n' },
  {
    name: 'quoted fields with line breaks, delimiters and quotes',
    text: 'a,b\n"x,\ny","q""z"\n"\n","😀,\n"\n4,5\n',
  },
  { name: 'empty lines and all-empty rows', text: 'a,b\n\n1,2\n,\n\n\n3,4\n\n' },
  {
    name: 'configured columns',
    text: '1,Ann\n2,Bob\n3,Cy\n',
    options: { columns: ['id', 'name'] },
  },
  { name: 'hasHeader: false', text: '1,Ann\n2,Bob,extra\n3\n', options: { hasHeader: false } },
  {
    name: "malformedRows: 'invalid'",
    text: 'a,b,c\n1,2,3\n"multi\nline",2\n\n4,5,6,7\n8,9,10\n',
    options: { malformedRows: 'invalid' },
  },
  { name: 'auto-detected delimiter', text: 'a;b;c\n1;"x;y";3\n4;5;6\n' },
  { name: 'tab delimiter and CR line breaks', text: 'a\tb\r1\t2\r3\t4\r' },
  { name: 'skipEmptyLines: false', text: 'a,b\n1,2\n\n3,4\n', options: { skipEmptyLines: false } },
  { name: 'trim', text: 'a , b\n 1 , 2 \n3,4\n', options: { trim: true } },
  { name: 'a U+FEFF at the start of a later row is data', text: 'a,b\n1,2\n\uFEFFx,3\n4,5\n' },
  {
    name: 'the line break found first (CRLF) stays the record delimiter',
    text: 'a,b\r\n1,2\r\n3,4\n5,6\r\n7,8\r\n',
  },
  { name: 'broken quoting at the end', text: 'a,b\n1,2\n3,"open\n4,5\n' },
  {
    name: "malformedRows: 'fail'",
    text: 'a,b\n1,2\n3,4\n5,6,7\n8,9\n',
    options: { malformedRows: 'fail' },
  },
];

describe('CsvParser.parseStreamFrom: resume after every record (property)', () => {
  for (const { name, text, options } of CASES) {
    it(name, async () => {
      await fc.assert(
        fc.asyncProperty(cuts, cuts, async (first, second) => {
          await expectResumableEverywhere(
            () => new CsvParser(options),
            Buffer.from(text),
            first,
            second,
          );
        }),
        { numRuns: 25 },
      );
    });
  }

  it("keeps the line named by malformedRows: 'invalid' after a resume", async () => {
    const text = 'a,b\n1,2\n"x\ny",2,3\n4,5\n6\n';
    const { outcome } = await expectResumableEverywhere(
      () => new CsvParser({ malformedRows: 'invalid' }),
      Buffer.from(text),
      [],
    );
    expect(outcome.records.map((r) => r.__row_error)).toEqual([
      undefined,
      'line 3: the row has 3 field(s) but the header has 2 column(s)',
      undefined,
      'line 6: the row has 1 field(s) but the header has 2 column(s)',
    ]);
  });

  it('counts bytes as csv-parse info.bytes does: BOM and the whole CRLF included, multi-byte characters as bytes', async () => {
    const text = '\uFEFFa,b\r\n1,é\r\n\r\n"x\r\ny",2\r\n3,4';
    const { cursors } = await expectResumableEverywhere(
      () => new CsvParser(),
      Buffer.from(text),
      [],
    );
    // BOM 3 + 'a,b\r\n' 5 = 8; '1,é\r\n' 6 -> 14; '\r\n' skipped, '"x\r\ny",2\r\n' 10 -> 26; '3,4' -> 29.
    expect(cursors.map((c) => c.byteOffset)).toEqual([14, 26, 29]);
    // Lines as csv-parse counts them (and names them in errors): a CRLF inside quotes counts twice.
    expect(cursors.map((c) => (c.state as { lines: number }).lines)).toEqual([2, 6, 7]);
  });

  it('keeps the header once in the cursor, not the rows', async () => {
    const { cursors } = await expectResumableEverywhere(
      () => new CsvParser(),
      Buffer.from('id,name\n1,Ann\n2,Bob\n'),
      [],
    );
    expect(cursors[1]).toEqual({
      byteOffset: 20,
      state: {
        parser: 'csv',
        delimiter: ',',
        recordDelimiter: '\n',
        header: ['id', 'name'],
        headerRow: true,
        dataRows: 2,
        lines: 3,
      },
    });
  });

  it('refuses a cursor of another parser, other options, or malformed', async () => {
    const tracked = new CsvParser().parseStreamFrom(splitAt('a,b\n1,2\n3,4\n', []));
    for await (const record of tracked) {
      expect(record).toEqual({ a: '1', b: '2' });
      break;
    }
    const cursor = tracked.cursor();
    const resume = (parser: CsvParser, from: ParseCursor) => () =>
      parser.parseStreamFrom(splitAt('', []), from);
    expect(resume(new CsvParser({ delimiter: ';' }), cursor)).toThrow(/delimiter ","/);
    expect(resume(new CsvParser({ columns: ['a', 'c'] }), cursor)).toThrow(ParseResumeError);
    expect(resume(new CsvParser({ hasHeader: false }), cursor)).toThrow(ParseResumeError);
    expect(
      resume(new CsvParser(), { ...cursor, state: { ...(cursor.state as object), lines: -1 } }),
    ).toThrow(/state\.lines must be an integer >= 0, got -1/);
    expect(resume(new CsvParser(), { ...cursor, state: { parser: 'csv' } })).toThrow(
      /start cursor must have byteOffset 0/,
    );
    const json = new JsonParser().parseStreamFrom(splitAt('{"a":1}\n', []));
    for await (const record of json) expect(record).toEqual({ a: 1 });
    expect(resume(new CsvParser(), json.cursor())).toThrow(/made by "json", not by a CsvParser/);
    expect(resume(new CsvParser(), null as unknown as ParseCursor)).toThrow(ParseResumeError);
  });
});

/** Records, the cursor after each, and the error a parse ends with, read one by one. */
async function readEach(parser: CsvParser, bytes: Buffer, cutsAt: readonly number[]) {
  const tracked = parser.parseStreamFrom(splitAt(bytes, cutsAt));
  const records: unknown[] = [];
  const cursors: ParseCursor[] = [];
  try {
    for await (const record of tracked) {
      records.push(record);
      cursors.push(tracked.cursor());
    }
  } catch (error: unknown) {
    return { records, cursors, error: String(error) };
  }
  return { records, cursors, error: undefined };
}

describe('CsvParser.parseStreamFrom: take (records a batch at a time)', () => {
  for (const { name, text, options } of CASES) {
    it(`gives the records, cursors and error of the iterator: ${name}`, async () => {
      const sizes = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 6 });
      await fc.assert(
        fc.asyncProperty(cuts, sizes, async (at, takeSizes) => {
          const bytes = Buffer.from(text);
          const boundaries = at.map((cut) => cut % (bytes.length + 1));
          const each = await readEach(new CsvParser(options), bytes, boundaries);
          const tracked = new CsvParser(options).parseStreamFrom(splitAt(bytes, boundaries));
          const take = (max: number) =>
            (tracked.take as (max: number) => Promise<Record<string, unknown>[]>).call(
              tracked,
              max,
            );
          const records: unknown[] = [];
          let error: string | undefined;
          try {
            for (let turn = 0; ; turn += 1) {
              const max = takeSizes[turn % takeSizes.length] as number;
              const batch = await take(max);
              if (batch.length === 0) break;
              expect(batch.length).toBeLessThanOrEqual(max);
              records.push(...batch);
              expect(tracked.cursor()).toEqual(each.cursors[records.length - 1]);
            }
          } catch (thrown: unknown) {
            error = String(thrown);
          } finally {
            await tracked.close?.();
          }
          expect({ records, error }).toEqual({ records: each.records, error: each.error });
        }),
        { numRuns: 25 },
      );
    });
  }
});
