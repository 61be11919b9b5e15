import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvParser, type CsvParserOptions } from '@batchactions/import';
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
      'line 4: the row has 3 field(s) but the header has 2 column(s)',
      undefined,
      'line 6: the row has 1 field(s) but the header has 2 column(s)',
    ]);
  });
});
