import { describe, expect, it } from 'vitest';
import {
  CsvDamagedRowError,
  CsvParser,
  JsonParser,
  MALFORMED_ROW_KEY,
  NestingTooDeepError,
  NotTextError,
  ParseError,
  RecordTooLargeError,
  XmlParser,
  type RawRecord,
  type SourceParser,
} from '../src/index';
import { chunksOf } from './helpers/chunks';

/** 1,000 rows; row 500 opens a quote that row 503's quoted name closes; row 600 has a stray quote. */
export function brokenThousand(): string {
  const rows = ['id,name,email'];
  for (let i = 1; i <= 1000; i++) {
    if (i === 500) rows.push(`${i},"Alice Smith,a${i}@example.com`);
    else if (i === 503) rows.push(`${i},"Bob, Jr.",b${i}@example.com`);
    else if (i === 600) rows.push(`${i},Broken "quote" here,p${i}@example.com`);
    else rows.push(`${i},Person ${i},p${i}@example.com`);
  }
  return rows.join('\n') + '\n';
}

async function tracked(parser: CsvParser, text: string | Buffer, chunk = 1000) {
  const records = parser.parseStreamFrom(chunksOf(text, chunk));
  const out: RawRecord[] = [];
  for await (const record of records) out.push(record);
  return {
    out,
    damaged: records.damagedRows?.(),
    looks: typeof records.damagedRows === 'function',
  };
}

async function failure(parser: SourceParser, data: AsyncIterable<Buffer>): Promise<unknown> {
  const stream = parser.parseStream?.(data) as AsyncIterable<RawRecord>;
  try {
    for await (const record of stream) expect(record).toBeDefined();
  } catch (error: unknown) {
    return error;
  }
  throw new Error('the parse did not fail');
}

describe('CSV damage: stray quotes and swallowed lines', () => {
  it('keep (default): records as published, damaged rows reported with their line ranges', async () => {
    for (const chunk of [7, 1000, 1 << 20]) {
      const { out, damaged } = await tracked(new CsvParser(), brokenThousand(), chunk);
      expect(out).toHaveLength(997);
      expect(out[499]?.name).toBe(
        '"Alice Smith,a500@example.com\n501,Person 501,p501@example.com\n502,Person 502,p502@example.com\n503,"Bob',
      );
      expect(out[596]?.name).toBe('Broken "quote" here');
      expect(damaged).toEqual({
        count: 2,
        rows: [
          { line: 501, endLine: 504, kind: 'swallowed-lines', record: 500 },
          { line: 601, endLine: 601, kind: 'stray-quote', record: 597 },
        ],
      });
    }
  });

  it('a legitimate multi-line field or doubled quotes are not damage', async () => {
    const text = 'id,address,note\n1,"12 Main St\nSpringfield, IL",ok\n2,"He said ""hi""",x\n';
    const { out, damaged, looks } = await tracked(new CsvParser(), text);
    expect(out).toHaveLength(2);
    // The parser looks for damage, and finds none.
    expect(looks).toBe(true);
    expect(damaged).toBeUndefined();
  });

  it("'invalid': damaged rows are invalid records naming the line where they start", async () => {
    const { out } = await tracked(new CsvParser({ malformedRows: 'invalid' }), brokenThousand());
    expect(out[499]?.[MALFORMED_ROW_KEY]).toMatch(/^line 501: a quoted field spans lines 501-504/);
    expect(out[596]?.[MALFORMED_ROW_KEY]).toMatch(
      /^line 601: a quote appears inside an unquoted field/,
    );
    expect(out.filter((r) => r[MALFORMED_ROW_KEY] !== undefined)).toHaveLength(2);
  });

  it("'fail': CsvDamagedRowError naming the line where the row starts", async () => {
    const error = await failure(
      new CsvParser({ malformedRows: 'fail' }),
      chunksOf(brokenThousand(), 4096),
    );
    expect(error).toBeInstanceOf(CsvDamagedRowError);
    expect(error).toMatchObject({ line: 501, endLine: 504, record: 500, kind: 'swallowed-lines' });
  });

  it('a column-count error names the line where a multi-line row starts', async () => {
    const text = 'id,name\n1,a\n2,"multi\nline\nfield",extra\n3,c\n';
    const { out } = await tracked(new CsvParser({ malformedRows: 'invalid' }), text);
    expect(out[1]?.[MALFORMED_ROW_KEY]).toMatch(/^line 3: the row has 3 field/);
  });

  it('an unterminated quote names the line where its row starts; the rows before it are read', async () => {
    const parser = new CsvParser();
    const text = 'id,name\n1,a\n2,"open\n3,c\n4,d\n';
    const out: RawRecord[] = [];
    let caught: unknown;
    try {
      for await (const r of parser.parseStream(chunksOf(text, 1 << 16))) out.push(r);
    } catch (error: unknown) {
      caught = error;
    }
    expect(out).toEqual([{ id: '1', name: 'a' }]);
    expect(caught).toBeInstanceOf(ParseError);
    expect(caught).toMatchObject({ line: 3 });
  });
});

describe('input that is not text', () => {
  const binary = Buffer.concat([
    Buffer.from('\x7fELF\x02\x01\x01'),
    Buffer.alloc(9),
    Buffer.from('abc'),
  ]);
  it.each([
    ['csv', new CsvParser()],
    ['json', new JsonParser()],
    ['xml', new XmlParser()],
  ] as const)('%s: NotTextError naming the byte offset of the first NUL', async (_f, parser) => {
    const error = await failure(parser, chunksOf(binary, 1024));
    expect(error).toBeInstanceOf(NotTextError);
    expect(error).toMatchObject({ byteOffset: 7 });
  });

  it('invalid UTF-8 is named by its offset; latin1 says the bytes are text', async () => {
    const latin = Buffer.from('id,name\n1,caf\xe9\n', 'latin1');
    const error = await failure(new CsvParser(), chunksOf(latin, 3));
    expect(error).toMatchObject({ byteOffset: 13 });
    const out: RawRecord[] = [];
    for await (const r of new CsvParser({ encoding: 'latin1' }).parseStream(chunksOf(latin, 3)))
      out.push(r);
    expect(out).toEqual([{ id: '1', name: 'café' }]);
  });
});

describe('record bounds', () => {
  async function* longLine(head: string, size: number): AsyncIterable<Buffer> {
    await Promise.resolve();
    yield Buffer.from(head);
    const chunk = Buffer.alloc(1024, 0x78);
    for (let sent = 0; sent < size; sent += chunk.length) yield chunk;
  }
  it.each([
    ['csv', () => new CsvParser({ maxRecordBytes: 10_000 }), 'id,name\n1,x\n2,', 3],
    ['json', () => new JsonParser({ maxRecordBytes: 10_000 }), '[{"a":1},\n{"a":"', 2],
    ['ndjson', () => new JsonParser({ maxRecordBytes: 10_000 }), '{"a":1}\n{"a":"', 2],
    [
      'xml',
      () => new XmlParser({ maxRecordBytes: 10_000, recordTag: 'r' }),
      '<rows><r><a>1</a></r>\n<r><a>',
      2,
    ],
  ] as const)(
    '%s: RecordTooLargeError naming the record, line and limit',
    async (_f, make, head, line) => {
      const error = await failure(make(), longLine(head, 1_000_000));
      expect(error).toBeInstanceOf(RecordTooLargeError);
      expect(error).toMatchObject({ record: 2, line, maxRecordBytes: 10_000 });
      expect((error as Error).message).toContain('10000 bytes');
    },
  );

  it.each([
    ['json', new JsonParser({ maxDepth: 50 }), `[${'{"a":'.repeat(60)}1${'}'.repeat(60)}]`],
    [
      'ndjson',
      new JsonParser({ maxDepth: 50 }),
      `{"a":1}\n${'{"a":'.repeat(60)}1${'}'.repeat(60)}\n`,
    ],
    [
      'xml',
      new XmlParser({ maxDepth: 50, recordTag: 'r' }),
      `<rows><r>${'<a>'.repeat(60)}${'</a>'.repeat(60)}</r></rows>`,
    ],
  ] as const)('%s: NestingTooDeepError naming the limit', async (_f, parser, text) => {
    const error = await failure(parser, chunksOf(text, 100));
    expect(error).toBeInstanceOf(NestingTooDeepError);
    expect(error).toMatchObject({ maxDepth: 50 });
  });

  it('JSON nested 200,000 deep fails with NestingTooDeepError at the default limit', async () => {
    const text = `[${'['.repeat(200_000)}]`;
    const deep = `[{"a":${'['.repeat(200_000)}${']'.repeat(200_000)}}]`;
    expect(await failure(new JsonParser(), chunksOf(deep, 65536))).toMatchObject({
      maxDepth: 1000,
      record: 1,
    });
    expect(text.length).toBeGreaterThan(0);
  });
});
