import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { CsvParser, type CsvParserOptions, type ParseCursor } from '@batchactions/import';
import { CSV_SIMPLE_LINES_SWITCH, CsvSimpleLines } from '../src/parsers/csv/csv-simple-lines';
import { splitAt } from './helpers/chunks';

/**
 * The CSV fast path (simple lines split without csv-parse, issue 28) must change nothing: every
 * parse below runs with it on and off and must give the same records, cursors, damage reports
 * and errors.
 */

type Switch = 'on' | 'off';

function setFastPath(state: Switch): void {
  (globalThis as Record<symbol, unknown>)[CSV_SIMPLE_LINES_SWITCH] = state === 'on';
}

afterEach(() => {
  Reflect.deleteProperty(globalThis, CSV_SIMPLE_LINES_SWITCH);
});

/** What is observable of an error. */
function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { thrown: String(error) };
  const { line, column, position, record, endLine, kind } = error as Error &
    Record<string, unknown>;
  return {
    type: error.constructor.name,
    message: error.message,
    line,
    column,
    position,
    record,
    endLine,
    kind,
  };
}

/** Everything a tracked parse shows: records, the cursor after each, damage, the error. */
async function trackedOutcome(
  options: Partial<CsvParserOptions>,
  bytes: Buffer,
  cuts: readonly number[],
  from?: ParseCursor,
): Promise<unknown> {
  const parsed = new CsvParser(options).parseStreamFrom(splitAt(bytes, cuts), from);
  const steps: unknown[] = [];
  let error: unknown;
  try {
    for await (const record of parsed) steps.push([record, JSON.stringify(parsed.cursor())]);
  } catch (caught: unknown) {
    error = describeError(caught);
  }
  return { steps, error, damaged: parsed.damagedRows?.(), end: parsed.cursor() };
}

/**
 * The same read with `take(max)`: the records, and the cursor after each batch, by the index of
 * its last record (how many rows are ready at each call, so where batches end, is timing).
 */
async function batchOutcome(
  options: Partial<CsvParserOptions>,
  bytes: Buffer,
  cuts: readonly number[],
  max: number,
): Promise<{ records: unknown[]; cursors: Map<number, string>; error: unknown; damaged: unknown }> {
  const parsed = new CsvParser(options).parseStreamFrom(splitAt(bytes, cuts));
  const take = async (count: number): Promise<unknown[]> => {
    if (parsed.take === undefined) throw new Error('CsvParser has take');
    return parsed.take(count);
  };
  const records: unknown[] = [];
  const cursors = new Map<number, string>();
  let error: unknown;
  try {
    for (let batch = await take(max); batch.length > 0; batch = await take(max)) {
      records.push(...batch);
      cursors.set(records.length - 1, JSON.stringify(parsed.cursor()));
    }
  } catch (caught: unknown) {
    error = describeError(caught);
  }
  return { records, cursors, error, damaged: parsed.damagedRows?.() };
}

async function plainOutcome(
  options: Partial<CsvParserOptions>,
  bytes: Buffer,
  cuts: readonly number[],
): Promise<unknown> {
  const records: unknown[] = [];
  try {
    for await (const record of new CsvParser(options).parseStream(splitAt(bytes, cuts))) {
      records.push(record);
    }
  } catch (caught: unknown) {
    return { records, error: describeError(caught) };
  }
  return { records };
}

/** Runs `read` with the fast path on, then off, and expects the same outcome. */
async function expectSameBothWays(read: () => Promise<unknown>): Promise<unknown> {
  setFastPath('off');
  const reference = await read();
  setFastPath('on');
  const fast = await read();
  expect(fast).toEqual(reference);
  return reference;
}

async function expectSameEverywhere(
  options: Partial<CsvParserOptions>,
  bytes: Buffer,
  cuts: readonly number[],
  max = 3,
): Promise<void> {
  const outcome = (await expectSameBothWays(() => trackedOutcome(options, bytes, cuts))) as {
    steps: [unknown, string][];
  };
  await expectSameBothWays(() => plainOutcome(options, bytes, cuts));
  const { steps } = outcome;
  for (const state of ['off', 'on'] as const) {
    setFastPath(state);
    const { cursors, ...batches } = await batchOutcome(options, bytes, cuts, max);
    const { error, damaged } = outcome as Record<string, unknown>;
    expect(batches).toEqual({ records: steps.map(([record]) => record), error, damaged });
    for (const [index, cursor] of cursors) expect(cursor).toBe(steps[index]?.[1]);
  }
  // Resumed from a few of the cursors (the bytes from its offset, chunked the same way).
  for (const index of [0, Math.floor(steps.length / 2), steps.length - 2]) {
    const step = steps[index];
    if (step === undefined) continue;
    const cursor = JSON.parse(step[1]) as ParseCursor;
    const rest = bytes.subarray(cursor.byteOffset);
    await expectSameBothWays(() =>
      trackedOutcome(
        options,
        rest,
        cuts.map((cut) => cut % (rest.length + 1)),
        cursor,
      ),
    );
  }
}

/** Field text: mostly plain, sometimes with the characters that send a line to csv-parse. */
const plainField = fc.string({
  unit: fc.constantFrom('a', 'b', 'Z', '1', ' ', 'é', '東', '🎉', '\t', ';', '|', ',', ':'),
  maxLength: 8,
});
const oddField = fc.string({
  unit: fc.constantFrom('"', "'", '\r', '\r\n', '\n', ',', 'x', '\uFEFF', ' '),
  minLength: 1,
  maxLength: 4,
});
const field = fc.oneof(
  { weight: 12, arbitrary: plainField },
  { weight: 1, arbitrary: oddField },
  { weight: 1, arbitrary: fc.constant('') },
);

const delimiterChoice = fc.constantFrom(',', ';', '\t', '|', ':');

const inputs = fc.record({
  delimiter: delimiterChoice,
  lines: fc.array(
    fc.oneof(
      { weight: 10, arbitrary: fc.array(field, { minLength: 1, maxLength: 6 }) },
      // An empty line.
      { weight: 1, arbitrary: fc.constant([] as string[]) },
    ),
    { maxLength: 25 },
  ),
  lineBreak: fc.constantFrom('\n', '\n', '\n', '\r\n', '\r'),
  bom: fc.boolean(),
  finalBreak: fc.boolean(),
  cuts: fc.array(fc.nat(), { maxLength: 12 }),
  max: fc.integer({ min: 1, max: 7 }),
  options: fc.record(
    {
      configured: fc.boolean(),
      quote: fc.constantFrom('"', '"', "'"),
      hasHeader: fc.boolean(),
      columns: fc.constantFrom(['x', 'y', 'z'], ['only']),
      skipEmptyLines: fc.boolean(),
      trim: fc.constantFrom(false, false, false, true),
      malformedRows: fc.constantFrom('keep' as const, 'invalid' as const, 'fail' as const),
      maxRecordBytes: fc.integer({ min: 4, max: 40 }),
      encoding: fc.constantFrom('utf-8', 'utf-8', 'utf8', 'latin1'),
    },
    { requiredKeys: ['configured'] },
  ),
});

describe('CsvParser fast path: the same results as csv-parse alone (property)', () => {
  it('records, cursors, resumes, damage reports and errors are equal on generated inputs', async () => {
    await fc.assert(
      fc.asyncProperty(inputs, async (input) => {
        const { delimiter, lines, lineBreak, bom, finalBreak, cuts, max } = input;
        const { configured, ...rest } = input.options;
        const options: Partial<CsvParserOptions> = {
          ...rest,
          ...(configured ? { delimiter } : {}),
        };
        let text = lines.map((fields) => fields.join(delimiter)).join(lineBreak);
        if (finalBreak && lines.length > 0) text += lineBreak;
        const bytes = Buffer.from((bom ? '\uFEFF' : '') + text);
        const boundaries = cuts.map((cut) => cut % (bytes.length + 1));
        await expectSameEverywhere(options, bytes, boundaries, max);
      }),
      { numRuns: 400 },
    );
  });

  it('is equal on longer inputs with rare quotes, split in many chunks', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(field, { minLength: 3, maxLength: 3 }), {
          minLength: 50,
          maxLength: 300,
        }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.constantFrom<MalformedOption>('keep', 'invalid'),
        async (rows, cuts, malformedRows) => {
          const bytes = Buffer.from(
            ['a,b,c', ...rows.map((row) => row.join(','))].join('\n') + '\n',
          );
          await expectSameEverywhere(
            { malformedRows },
            bytes,
            cuts.map((cut) => cut % (bytes.length + 1)),
            50,
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('CsvParser fast path on quoted fields: the same results as csv-parse alone (property)', () => {
  // Fields wrapped in quotes, most of them whole (what spreadsheets export), some not: a
  // doubled quote, text after the closing quote, a line break or CR inside, a quote left open.
  const quotedContent = fc.string({
    unit: fc.constantFrom('a', 'Z', ' ', ',', ';', 'é', '🎉', '\t', '"', "'"),
    maxLength: 6,
  });
  const quotedField = (quote: string) =>
    fc.oneof(
      // Wrapped, its quotes doubled (the escape is the quote).
      {
        weight: 12,
        arbitrary: quotedContent.map(
          (text) => `${quote}${text.replaceAll(quote, quote + quote)}${quote}`,
        ),
      },
      // Wrapped, its quotes not doubled: often a stray quote.
      { weight: 2, arbitrary: quotedContent.map((text) => `${quote}${text}${quote}`) },
      { weight: 4, arbitrary: plainField },
      {
        weight: 1,
        arbitrary: quotedContent.map((text) => `${quote}${text}${quote}${quote}x${quote}`),
      },
      { weight: 1, arbitrary: quotedContent.map((text) => `${quote}${text}${quote}x`) },
      { weight: 1, arbitrary: quotedContent.map((text) => `${quote}${text}\n${text}${quote}`) },
      { weight: 1, arbitrary: quotedContent.map((text) => `${quote}${text}\r${quote}`) },
      { weight: 1, arbitrary: quotedContent.map((text) => `${quote}${text}`) },
      { weight: 1, arbitrary: quotedContent.map((text) => `x${quote}${text}`) },
    );
  const quotedInputs = fc
    .record({
      quote: fc.constantFrom('"', "'"),
      delimiter: fc.constantFrom(',', ';', '\t'),
      lineBreak: fc.constantFrom('\n', '\n', '\r\n'),
      finalBreak: fc.boolean(),
      cuts: fc.array(fc.nat(), { maxLength: 12 }),
      max: fc.integer({ min: 1, max: 7 }),
      malformedRows: fc.constantFrom<MalformedOption>('keep', 'invalid', 'fail'),
      skipEmptyLines: fc.boolean(),
      lineCount: fc.integer({ min: 1, max: 20 }),
    })
    .chain((base) =>
      fc.record({
        base: fc.constant(base),
        lines: fc.array(fc.array(quotedField(base.quote), { minLength: 1, maxLength: 4 }), {
          minLength: base.lineCount,
          maxLength: base.lineCount,
        }),
      }),
    );

  it('records, cursors, resumes, damage reports and errors are equal', async () => {
    await fc.assert(
      fc.asyncProperty(quotedInputs, async ({ base, lines }) => {
        const { quote, delimiter, lineBreak, finalBreak, cuts, max } = base;
        const options: Partial<CsvParserOptions> = {
          quote,
          delimiter,
          malformedRows: base.malformedRows,
          skipEmptyLines: base.skipEmptyLines,
        };
        let text = ['a', 'b', 'c'].join(delimiter) + lineBreak;
        text += lines.map((fields) => fields.join(delimiter)).join(lineBreak);
        if (finalBreak) text += lineBreak;
        const bytes = Buffer.from(text);
        await expectSameEverywhere(
          options,
          bytes,
          cuts.map((cut) => cut % (bytes.length + 1)),
          max,
        );
      }),
      { numRuns: 300 },
    );
  });
});

type MalformedOption = NonNullable<CsvParserOptions['malformedRows']>;

/** Every cut of `bytes`: one cut at each offset, and the input byte by byte. */
async function expectSameForEveryCut(
  options: Partial<CsvParserOptions>,
  bytes: Buffer,
): Promise<void> {
  for (let cut = 0; cut <= bytes.length; cut++) {
    await expectSameEverywhere(options, bytes, [cut]);
  }
  await expectSameEverywhere(
    options,
    bytes,
    Array.from({ length: bytes.length }, (_, i) => i),
  );
}

describe('CsvParser fast path: edges', () => {
  const cases: readonly {
    name: string;
    text: string | Buffer;
    options?: Partial<CsvParserOptions>;
  }[] = [
    { name: 'plain file', text: 'id,name\n1,Ann\n2,Bob\n' },
    { name: 'no final line break', text: 'id,name\n1,Ann\n2,Bob' },
    { name: 'UTF-8 BOM', text: '\uFEFFid,name\n1,Ann\n' },
    { name: 'UTF-8 BOM only', text: '\uFEFF' },
    {
      name: 'UTF-8 BOM with latin1 (csv-parse switches to UTF-8)',
      text: '\uFEFFa,b\n1,é\n',
      options: { encoding: 'latin1' },
    },
    { name: 'UTF-16 BOM bytes', text: Buffer.from([0xff, 0xfe, 0x61, 0x0a, 0x62, 0x0a]) },
    { name: 'a U+FEFF in a later line is data', text: 'a,b\n\uFEFF1,2\n' },
    { name: 'CRLF', text: 'a,b\r\n1,2\r\n3,4\r\n' },
    { name: 'CR only', text: 'a,b\r1,2\r3,4\r' },
    { name: 'LF then a lone CR in a field', text: 'a,b\n1,2\n3\r,4\n5,6\n' },
    { name: 'a quote late in the file', text: 'a,b\n1,2\n3,4\n"5",6\n7,8\n' },
    { name: 'a quoted line break', text: 'a,b\n1,2\n"x\ny",3\n4,5\n' },
    { name: 'quote never closed', text: 'a,b\n1,2\n3,"open\n4,5\n' },
    { name: 'stray quote', text: 'a,b\n1,2\n3,x"y\n4,5\n' },
    { name: 'empty lines', text: '\n\na,b\n\n1,2\n\n\n3,4\n\n' },
    { name: 'empty lines kept', text: '\n\na,b\n\n1,2\n\n', options: { skipEmptyLines: false } },
    { name: 'all-empty rows and trailing delimiters', text: 'a,b,c\n,,\n1,2,\n,\n3,,\n' },
    {
      name: 'ragged rows',
      text: 'a,b,c\n1\n1,2\n1,2,3,4,5\n',
      options: { malformedRows: 'invalid' },
    },
    { name: 'ragged rows, fail', text: 'a,b,c\n1,2,3\n1,2\n', options: { malformedRows: 'fail' } },
    { name: 'no header', text: '1,2\n3,4,5\n6\n', options: { hasHeader: false } },
    { name: 'columns', text: '1,2\n3,4,5\n', options: { columns: ['x', 'y'] } },
    { name: 'multi-byte characters', text: 'név,város\nÁrpád,Győr\n東京,🎉\n' },
    {
      name: 'invalid UTF-8 next to delimiters',
      text: Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0xc3, 0x2c, 0xe2, 0x82, 0x0a, 0xff, 0x0a]),
    },
    { name: 'auto-detected semicolons', text: 'a;b;c\n1;2;3\n' },
    { name: 'tab delimiter', text: 'a\tb\n1\t2\n', options: { delimiter: '\t' } },
    {
      name: 'a line over maxRecordBytes',
      text: 'a,b\n1,2\n12345678901,2\n3,4\n',
      options: { maxRecordBytes: 10 },
    },
    {
      name: 'the header over maxRecordBytes',
      text: 'abcdefghijkl\n1\n',
      options: { maxRecordBytes: 10 },
    },
    {
      name: 'last line over maxRecordBytes',
      text: 'a\n1\n12345678901',
      options: { maxRecordBytes: 10 },
    },
    { name: 'trim (csv-parse only)', text: 'a , b\n 1 , 2\n', options: { trim: true } },
    { name: 'single quote as quote', text: "a,b\n1,'x,y'\n2,3\n", options: { quote: "'" } },
    {
      name: 'multi-character delimiter (csv-parse only)',
      text: 'a::b\n1::2\n',
      options: { delimiter: '::' },
    },
    { name: 'one column, no delimiter at all', text: 'a\n1\n2\n3\n' },
    { name: 'NUL byte (not text)', text: 'a,b\n1,2\n3,\u00004\n5,6\n' },
  ];
  for (const { name, text, options = {} } of cases) {
    it(name, async () => {
      await expectSameForEveryCut(options, typeof text === 'string' ? Buffer.from(text) : text);
    });
  }

  it('a line longer than the longest kept between chunks goes to csv-parse, records unchanged', async () => {
    const long = 'x'.repeat(70 * 1024);
    const bytes = Buffer.from(`a,b\n1,2\n${long},3\n4,5\n`);
    await expectSameEverywhere({}, bytes, [10, 20 * 1024, 50 * 1024, 72 * 1024]);
  });

  it('many chunks of a large simple file', async () => {
    const lines = ['id,email,name'];
    for (let i = 0; i < 5000; i++) lines.push(`${i},user${i}@example.com,Zoë ${i}`);
    const bytes = Buffer.from(lines.join('\n') + '\n');
    const cuts = Array.from(
      { length: 40 },
      (_, i) => Math.floor((bytes.length * i) / 40) + (i % 7),
    );
    await expectSameEverywhere({}, bytes, cuts, 500);
  });
});

describe('CsvParser fast path: early stop', () => {
  it('closes the source when the consumer stops early', async () => {
    setFastPath('on');
    let sourceClosed = (): void => undefined;
    const closing = new Promise<void>((resolve) => (sourceClosed = resolve));
    async function* chunks(): AsyncGenerator<Buffer> {
      try {
        yield Buffer.from('a,b\n');
        for (let i = 0; ; i++) {
          await Promise.resolve();
          yield Buffer.from(`${i},${i}\n`.repeat(100));
        }
      } finally {
        sourceClosed();
      }
    }
    const parsed = new CsvParser().parseStreamFrom(chunks());
    const first = await parsed.take?.(10);
    expect(first).toHaveLength(10);
    await parsed.close?.();
    // The fast path stops at its next chunk: the source's `finally` runs (else: a timeout).
    await closing;
  });
});

describe('CsvSimpleLines', () => {
  const setup = {
    delimiter: ',',
    quote: '"',
    encoding: 'utf-8' as BufferEncoding,
    trim: false,
    skipEmptyLines: true,
    maxRecordBytes: 1000,
    atInputStart: true,
    recordDelimiter: null,
  };

  function reader(options: Partial<typeof setup> = {}): {
    lines: CsvSimpleLines;
    rows: [string[], number, number][];
  } {
    const rows: [string[], number, number][] = [];
    const lines = new CsvSimpleLines({ ...setup, ...options }, (fields, bytes, line) =>
      rows.push([fields, bytes, line]),
    );
    return { lines, rows };
  }

  it('splits simple lines, with where each row ends, and keeps the last byte for later', () => {
    const { lines, rows } = reader();
    expect(lines.read(Buffer.from('\uFEFFa,b\n\n1,é\n2,'))).toBeUndefined();
    // The BOM counts in byte offsets; the empty line is skipped but counted.
    expect(rows).toEqual([
      [['a', 'b'], 7, 1],
      [['1', 'é'], 13, 3],
    ]);
    expect(lines.read(Buffer.from('x\n'))).toBeUndefined();
    // `2,x\n` ends at the chunk's last byte: csv-parse would wait for one more byte.
    expect(rows).toHaveLength(2);
    expect(lines.end()).toBeUndefined();
    expect(rows[2]).toEqual([['2', 'x'], 17, 4]);
    expect(lines).toMatchObject({ bytes: 17, lines: 4, rows: 3, recordDelimiter: '\n' });
  });

  it('splits lines whose quotes all belong to wrapped fields, doubled quotes read as one', () => {
    const { lines, rows } = reader();
    const rest = lines.read(Buffer.from('a,b,c\n"x, y",2,""\n"",,"é"\n"q"\n"O""B",""""\n'));
    expect(rest).toBeUndefined();
    expect(lines.end()).toBeUndefined();
    expect(rows).toEqual([
      [['a', 'b', 'c'], 6, 1],
      [['x, y', '2', ''], 18, 2],
      [['', '', 'é'], 27, 3],
      [['q'], 31, 4],
      [['O"B', '"'], 43, 5],
    ]);
    const last = reader();
    expect(last.lines.read(Buffer.from('a,b\n"1",'))).toBeUndefined();
    expect(last.lines.end()).toBeUndefined();
    expect(last.rows.map(([fields]) => fields)).toEqual([
      ['a', 'b'],
      ['1', ''],
    ]);
  });

  it("hands over a line with a quote outside wrapped fields, or one left open: csv-parse's", () => {
    for (const line of ['3,x"y', '"a"b,c', '"open,c', '3,"', ' "a",b', '"a" ,b', '"a""', '""",x']) {
      const { lines, rows } = reader();
      const rest = lines.read(Buffer.from(`a,b\n"1",2\n${line}\n4,5\n`));
      expect(rows.map(([fields]) => fields)).toEqual([
        ['a', 'b'],
        ['1', '2'],
      ]);
      expect(Buffer.concat(rest ?? []).toString()).toBe(`${line}\n4,5\n`);
    }
    const last = reader();
    expect(Buffer.concat(last.lines.read(Buffer.from('a\n"b')) ?? []).toString()).toBe('');
    expect(Buffer.concat(last.lines.end() ?? []).toString()).toBe('"b');
  });

  it('hands over the input from the first line holding a stray quote or a CR', () => {
    const { lines, rows } = reader();
    const rest = lines.read(Buffer.from('a,b\n1,2\n3,x"\n4,5\n'));
    expect(rows.map(([fields]) => fields)).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(Buffer.concat(rest ?? []).toString()).toBe('3,x"\n4,5\n');
    expect(lines).toMatchObject({ bytes: 8, lines: 2, rows: 2, lastRowEnd: 8 });
    const lf = reader();
    expect(Buffer.concat(lf.lines.read(Buffer.from('a,b\n1,2\r\n3,4\n')) ?? []).toString()).toBe(
      '1,2\r\n3,4\n',
    );
    expect(lf.rows).toEqual([[['a', 'b'], 4, 1]]);
  });

  it("splits CRLF lines; a lone LF or CR in them is csv-parse's", () => {
    const { lines, rows } = reader();
    const rest = lines.read(Buffer.from('a,b\r\n\r\n1,2\r\n3\r4,5\r\n6,7\r\n'));
    expect(rows).toEqual([
      [['a', 'b'], 5, 1],
      [['1', '2'], 12, 3],
    ]);
    expect(Buffer.concat(rest ?? []).toString()).toBe('3\r4,5\r\n6,7\r\n');
    expect(lines.recordDelimiter).toBe('\r\n');
    const lone = reader();
    expect(Buffer.concat(lone.lines.read(Buffer.from('a\r\nb\nc\r\nd')) ?? []).toString()).toBe(
      'b\nc\r\nd',
    );
    const cr = reader();
    expect(Buffer.concat(cr.lines.read(Buffer.from('a,b\r1,2\r')) ?? []).toString()).toBe(
      'a,b\r1,2\r',
    );
  });

  it('hands over a line longer than maxRecordBytes, and the chunks as received when it read nothing', () => {
    const { lines, rows } = reader({ maxRecordBytes: 4 });
    const chunks = [Buffer.from('ab'), Buffer.from('cdef\n1\n')];
    expect(lines.read(chunks[0] as Buffer)).toBeUndefined();
    expect(lines.read(chunks[1] as Buffer)).toEqual(chunks);
    expect(rows).toEqual([]);
  });

  it('applies only where csv-parse splits as it does', () => {
    expect(CsvSimpleLines.supports(setup)).toBe(true);
    expect(CsvSimpleLines.supports({ ...setup, trim: true })).toBe(false);
    expect(CsvSimpleLines.supports({ ...setup, delimiter: '::' })).toBe(false);
    expect(CsvSimpleLines.supports({ ...setup, encoding: 'utf16le' })).toBe(false);
    expect(CsvSimpleLines.supports({ ...setup, recordDelimiter: '\r' })).toBe(false);
    expect(CsvSimpleLines.supports({ ...setup, recordDelimiter: '\r\n' })).toBe(true);
    expect(CsvSimpleLines.supports({ ...setup, recordDelimiter: '\n' })).toBe(true);
  });
});

describe('CsvParser damage scanner and a byte-order mark split across chunks', () => {
  it('marks the same rows whatever chunk holds the mark', async () => {
    const bytes = Buffer.from('\uFEFF\n"a\nb",c\n1,x"y\n2,3\n');
    const options = { malformedRows: 'invalid' as const };
    for (const state of ['off', 'on'] as const) {
      setFastPath(state);
      const whole = await trackedOutcome(options, bytes, []);
      for (const cut of [0, 1, 2, 3, 4]) {
        expect(await trackedOutcome(options, bytes, [cut])).toEqual(whole);
      }
    }
  });
});
