import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '@batchactions/core';
import {
  CsvColumnCountError,
  CsvParser,
  MALFORMED_ROW_KEY,
  SchemaValidator,
  type CsvParserOptions,
} from '../src/index';

const CSV = 'a,b\n1,2\n3,4,5\n6\n"7\n7",8\n9,"10\n10",11\n';

async function streamed(options: Partial<CsvParserOptions>, text = CSV) {
  const out: unknown[] = [];
  // Two-byte chunks: rows, quotes and line breaks split anywhere.
  async function* chunks() {
    for (let i = 0; i < text.length; i += 2) yield await Promise.resolve(text.slice(i, i + 2));
  }
  for await (const record of new CsvParser(options).parseStream(chunks())) out.push(record);
  return out;
}

function whole(options: Partial<CsvParserOptions>, text = CSV) {
  return [...new CsvParser(options).parse(text)];
}

describe('CsvParser malformedRows', () => {
  it("'keep' (the default) carries on as published: surplus under __parsed_extra, missing keys absent", async () => {
    const expected = [
      { a: '1', b: '2' },
      { a: '3', b: '4', __parsed_extra: ['5'] },
      { a: '6' },
      { a: '7\n7', b: '8' },
      { a: '9', b: '10\n10', __parsed_extra: ['11'] },
    ];
    expect(await streamed({})).toEqual(expected);
    expect(whole({})).toEqual(expected);
    expect(await streamed({ malformedRows: 'keep' })).toEqual(expected);
  });

  it("'invalid' marks each malformed row with its line and reason and keeps every other row as is", async () => {
    const expected = [
      { a: '1', b: '2' },
      {
        a: '3',
        b: '4',
        __parsed_extra: ['5'],
        [MALFORMED_ROW_KEY]: 'line 3: the row has 3 field(s) but the header has 2 column(s)',
      },
      {
        a: '6',
        [MALFORMED_ROW_KEY]: 'line 4: the row has 1 field(s) but the header has 2 column(s)',
      },
      { a: '7\n7', b: '8' },
      {
        a: '9',
        b: '10\n10',
        __parsed_extra: ['11'],
        // A row spanning lines is named by the line where it starts (issue 21).
        [MALFORMED_ROW_KEY]: 'line 7: the row has 3 field(s) but the header has 2 column(s)',
      },
    ];
    expect(await streamed({ malformedRows: 'invalid' })).toEqual(expected);
    expect(whole({ malformedRows: 'invalid' })).toEqual(expected);
  });

  it("'invalid' rows fail validation with a message naming the row, strict schema or not", async () => {
    const [, tooLong, tooShort] = await streamed({ malformedRows: 'invalid' });
    for (const strict of [false, true]) {
      const validator = new SchemaValidator({
        fields: [
          { name: 'a', type: 'string', required: true },
          { name: 'b', type: 'string', required: false },
        ],
        strict,
      });
      const short = validator.validate(tooShort as Record<string, unknown>);
      expect(short.isValid).toBe(false);
      expect(short.errors).toEqual([
        expect.objectContaining({
          field: MALFORMED_ROW_KEY,
          code: 'MALFORMED_ROW',
          message: 'Malformed row at line 4: the row has 1 field(s) but the header has 2 column(s)',
        }),
      ]);
      const long = validator.validate(tooLong as Record<string, unknown>);
      expect(long.errors.map((e) => e.code)).toEqual(
        strict ? ['MALFORMED_ROW', 'UNKNOWN_FIELD'] : ['MALFORMED_ROW'],
      );
    }
  });

  it("'fail' stops at the first malformed row with CsvColumnCountError naming its line", async () => {
    for (const run of [
      () => streamed({ malformedRows: 'fail' }),
      () => Promise.resolve().then(() => whole({ malformedRows: 'fail' })),
    ]) {
      const error: unknown = await run().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CsvColumnCountError);
      expect(error).toMatchObject({ line: 3, record: 2, expected: 2, actual: 3 });
      expect((error as Error).message).toBe(
        'Invalid CSV at record 2, line 3: the row has 3 field(s) but the header has 2 column(s)',
      );
    }
  });

  it('checks the option', () => {
    expect(() => new CsvParser({ malformedRows: 'skip' as never })).toThrow(InvalidOptionError);
    expect(() => new CsvParser({ malformedRows: 'skip' as never })).toThrow(/malformedRows/);
  });

  it('a file without problems gives the same records in every mode', async () => {
    const clean = 'a,b\n1,2\n"3\n3",4\n';
    const keep = await streamed({}, clean);
    expect(await streamed({ malformedRows: 'invalid' }, clean)).toEqual(keep);
    expect(await streamed({ malformedRows: 'fail' }, clean)).toEqual(keep);
  });
});
