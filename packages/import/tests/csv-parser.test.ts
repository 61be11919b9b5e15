import { InvalidOptionError } from '@batchactions/core';
import { describe, expect, it } from 'vitest';
import { CsvParser, ParseError } from '@batchactions/import';
import { chunksOf, collect, collectUntilError, splitAt } from './helpers/chunks';

async function parseCsv(text: string | Buffer, parser = new CsvParser()) {
  return collect(parser.parse(text));
}

describe('CsvParser', () => {
  it('keys rows by the header, values as strings', async () => {
    expect(await parseCsv('id,name,age\n1,Ann,30\n2,Bo,\n')).toEqual([
      { id: '1', name: 'Ann', age: '30' },
      { id: '2', name: 'Bo', age: '' },
    ]);
  });

  it('strips a UTF-8 BOM and handles CRLF line endings', async () => {
    expect(await parseCsv('\uFEFFid,name\r\n1,Ann\r\n2,Bo\r\n')).toEqual([
      { id: '1', name: 'Ann' },
      { id: '2', name: 'Bo' },
    ]);
  });

  it('reads quoted delimiters, doubled quotes and line breaks inside quotes', async () => {
    const text = 'a,b,c\n"x, y","say ""hi""","line1\nline2\r\nline3"\n';
    expect(await parseCsv(text)).toEqual([
      { a: 'x, y', b: 'say "hi"', c: 'line1\nline2\r\nline3' },
    ]);
  });

  it('reads the last row without a trailing line break', async () => {
    expect(await parseCsv('a,b\n1,2')).toEqual([{ a: '1', b: '2' }]);
  });

  it('skips empty lines by default', async () => {
    expect(await parseCsv('\na,b\n\n1,2\n\n\n3,4\n\n')).toEqual([
      { a: '1', b: '2' },
      { a: '3', b: '4' },
    ]);
  });

  it('treats an empty line as a one-field row when skipEmptyLines is false', async () => {
    const single = await parseCsv('a\n1\n\n2\n', new CsvParser({ skipEmptyLines: false }));
    // The empty line is a row whose only value is '' and is dropped like every all-empty row.
    expect(single).toEqual([{ a: '1' }, { a: '2' }]);
  });
  it('yields nothing for an empty input or a header alone', async () => {
    expect(await parseCsv('')).toEqual([]);
    expect(await parseCsv('a,b\n')).toEqual([]);
  });

  it('decodes multi-byte characters split at every byte offset', async () => {
    const text = 'name,city,emoji\nZoë,"Kraków, PL",🎉\n東京,Αθήνα,👩‍👩‍👧\n';
    const bytes = Buffer.from(text);
    const expected = [
      { name: 'Zoë', city: 'Kraków, PL', emoji: '🎉' },
      { name: '東京', city: 'Αθήνα', emoji: '👩‍👩‍👧' },
    ];
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(
        await collect(new CsvParser().parseStream(splitAt(bytes, [cut]))),
        `cut ${cut}`,
      ).toEqual(expected);
    }
    expect(await collect(new CsvParser().parseStream(chunksOf(bytes, 1)))).toEqual(expected);
    expect(await collect(new CsvParser().parseStream(chunksOf(bytes, 2)))).toEqual(expected);
  });

  it('accepts string chunks', async () => {
    async function* strings() {
      await Promise.resolve();
      yield 'a;b\n1;';
      yield '"2\n';
      yield '"\n';
    }
    expect(await collect(new CsvParser().parseStream(strings()))).toEqual([{ a: '1', b: '2\n' }]);
  });

  it('detects the delimiter among , ; tab and |', async () => {
    for (const delimiter of [',', ';', '\t', '|']) {
      const text =
        ['id', 'name', 'note'].join(delimiter) + '\n' + ['1', 'Ann', 'x'].join(delimiter) + '\n';
      expect(await parseCsv(text), JSON.stringify(delimiter)).toEqual([
        { id: '1', name: 'Ann', note: 'x' },
      ]);
      expect(CsvParser.detect(text)).toEqual({ delimiter, encoding: 'utf-8', hasHeader: true });
      expect(new CsvParser().detect(Buffer.from(text)).delimiter).toBe(delimiter);
    }
  });

  it('ignores quoted delimiters when detecting, and defaults to a comma', () => {
    expect(CsvParser.detect('"a,b,c";d\n1;2\n').delimiter).toBe(';');
    expect(CsvParser.detect('single\nvalue\n').delimiter).toBe(',');
    expect(CsvParser.detect('\uFEFFa|b,c|d\n').delimiter).toBe('|');
    expect(CsvParser.detect('').delimiter).toBe(',');
  });

  it('detects the delimiter when the header arrives one byte at a time', async () => {
    const text = 'first;second;"third;x"\n1;2;3\n';
    expect(await collect(new CsvParser().parseStream(chunksOf(text, 1)))).toEqual([
      { first: '1', second: '2', 'third;x': '3' },
    ]);
  });

  it('uses a configured delimiter and quote', async () => {
    const parser = new CsvParser({ delimiter: ';', quote: "'" });
    expect(await parseCsv("a;b\n'x;y';2\n", parser)).toEqual([{ a: 'x;y', b: '2' }]);
  });

  it('treats the first row as data when columns are given', async () => {
    const parser = new CsvParser({ columns: ['id', 'name'] });
    expect(await parseCsv('1,Ann\n2,Bo\n', parser)).toEqual([
      { id: '1', name: 'Ann' },
      { id: '2', name: 'Bo' },
    ]);
  });

  it('trims around fields only when asked', async () => {
    expect(await parseCsv('a,b\n 1 ,  x\n')).toEqual([{ a: ' 1 ', b: '  x' }]);
    expect(await parseCsv(' a , b \n 1 , " x " \n', new CsvParser({ trim: true }))).toEqual([
      { a: '1', b: ' x ' },
    ]);
  });

  it('decodes other encodings', async () => {
    const bytes = Buffer.from('name\nZoë\n', 'latin1');
    expect(await parseCsv(bytes, new CsvParser({ encoding: 'latin1' }))).toEqual([{ name: 'Zoë' }]);
  });

  it('rejects an unterminated quote with a ParseError naming the line', async () => {
    const { error } = await collectUntilError(new CsvParser().parse('a,b\n1,2\n3,"4\n5,6\n'));
    expect(error).toBeInstanceOf(ParseError);
    const parseError = error as ParseError;
    expect(parseError.format).toBe('csv');
    expect(parseError.line).toBeGreaterThanOrEqual(3);
    expect(parseError.record).toBe(2);
    expect(parseError.message).toMatch(
      /^Invalid CSV at record 2, line \d+: unterminated quoted field/,
    );
  });

  it('keeps stray quotes as text, as published', async () => {
    expect(await parseCsv('a,b\n"1"x,2\n3,4 "inch"\n')).toEqual([
      { a: '"1"x', b: '2' },
      { a: '3', b: '4 "inch"' },
    ]);
  });
  it('passes source errors through unchanged', async () => {
    const failure = new Error('disk on fire');
    async function* failing() {
      await Promise.resolve();
      yield Buffer.from('a,b\n1,2\n');
      throw failure;
    }
    const { records, error } = await collectUntilError(new CsvParser().parseStream(failing()));
    expect(error).toBe(failure);
    expect(records.length).toBeLessThanOrEqual(1);
  });

  it('stops reading the source when the consumer stops early', async () => {
    let produced = 0;
    let closed = false;
    async function* endless() {
      try {
        yield Buffer.from('n\n');
        for (;;) {
          await Promise.resolve();
          produced++;
          yield Buffer.from(`${produced}\n`);
        }
      } finally {
        closed = true;
      }
    }
    const seen: unknown[] = [];
    for await (const record of new CsvParser({ delimiter: ',' }).parseStream(endless())) {
      seen.push(record);
      if (seen.length === 3) break;
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([{ n: '1' }, { n: '2' }, { n: '3' }]);
    expect(closed).toBe(true);
  });

  it('validates its options', () => {
    expect(() => new CsvParser({ delimiter: 1 as unknown as string })).toThrow(InvalidOptionError);
    expect(() => new CsvParser({ delimiter: '"' })).toThrow('Invalid option "delimiter"');
    expect(() => new CsvParser({ encoding: 'klingon' })).toThrow('Invalid option "encoding"');
    expect(() => new CsvParser({ columns: ['a', 2 as unknown as string] })).toThrow(
      'Invalid option "columns[1]"',
    );
    expect(() => new CsvParser({ trim: 'yes' as unknown as boolean })).toThrow(
      'Invalid option "trim"',
    );
  });
});
