import { InvalidOptionError } from '@batchactions/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonParser, ParseError } from '@batchactions/import';
import { chunksOf, collect, collectUntilError, splitAt } from './helpers/chunks';

const tricky = [
  { id: 1, text: 'brackets ] } [ { inside', nested: { list: [1, [2, { deep: '}' }]], empty: {} } },
  { id: 2, text: 'escaped \\" quote and backslash \\\\', unicode: '\u00e9 \u6771 \ud83c\udf89' },
  { id: 3, text: 'ends with backslash \\', flag: true, none: null },
];

async function parseJson(
  input: string,
  parser = new JsonParser({ keepNestedValues: true }),
  chunk = 0,
) {
  return collect(chunk > 0 ? parser.parseStream(chunksOf(input, chunk)) : parser.parse(input));
}

async function parseFailure(input: string, parser = new JsonParser({ keepNestedValues: true })) {
  const outcome = await collectUntilError(parser.parseStream(chunksOf(input, 1)));
  expect(outcome.error).toBeInstanceOf(ParseError);
  return { records: outcome.records, error: outcome.error as ParseError };
}

describe('JsonParser, arrays', () => {
  it('streams the elements of a top-level array, one byte at a time', async () => {
    const text = JSON.stringify(tricky, null, 2);
    expect(await parseJson(text, new JsonParser({ keepNestedValues: true }), 1)).toEqual(tricky);
    expect(
      await parseJson(text, new JsonParser({ format: 'array', keepNestedValues: true }), 5),
    ).toEqual(tricky);
    expect(await parseJson(JSON.stringify(tricky))).toEqual(tricky);
  });

  it('decodes multi-byte characters split at every byte offset', async () => {
    const bytes = Buffer.from('\uFEFF[{"city":"Kraków","emoji":"🎉"},{"name":"東京"}]');
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(
        await collect(
          new JsonParser({ keepNestedValues: true }).parseStream(splitAt(bytes, [cut])),
        ),
      ).toEqual([{ city: 'Kraków', emoji: '🎉' }, { name: '東京' }]);
    }
  });

  it('accepts empty arrays and surrounding whitespace', async () => {
    expect(await parseJson('  \n [ ] \n')).toEqual([]);
    expect(
      await parseJson(
        '[\n  {"a": 1} ,\n  {"a": 2}\n]\n',
        new JsonParser({ keepNestedValues: true }),
        1,
      ),
    ).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('reports invalid JSON inside an element with line and column', async () => {
    const { records, error } = await parseFailure('[\n  {"a": 1},\n  {"b": tru}\n]');
    expect(records).toEqual([{ a: 1 }]);
    expect(error.format).toBe('json');
    expect(error.line).toBe(3);
    expect(error.column).toBe(9);
    expect(error.position).toBe(22);
    expect(error.record).toBe(2);
    expect(error.message).toBe(
      'Invalid JSON at record 2, line 3, column 9: the array element at index 1 is not valid JSON: expected a JSON value, got "t"',
    );
  });

  it('locates errors on later lines of a multi-line element', async () => {
    const { error } = await parseFailure('[{"a": 1,\n  "b": "x\ny"}]');
    expect(error.line).toBe(2);
    expect(error.column).toBe(10);
    expect(error.detail).toContain('unescaped control character');
  });

  it('names the index of an element that is not an object', async () => {
    for (const [text, kind] of [
      ['[{"a":1}, 42]', 'a number'],
      ['[{"a":1}, "x"]', 'a string'],
      ['[{"a":1}, [1]]', 'an array'],
      ['[{"a":1}, null]', 'null'],
      ['[{"a":1}, true]', 'a boolean'],
    ] as const) {
      const { error } = await parseFailure(text);
      expect(error.message).toBe(
        `Invalid JSON at record 2, line 1, column 11: JsonParser: each item in the array must be a plain object; the element at index 1 is ${kind}`,
      );
    }
  });

  it('reports structural errors between elements', async () => {
    expect((await parseFailure('[{"a":1} {"a":2}]')).error.detail).toBe(
      `expected ',' or ']' after the array element at index 0, got "{"`,
    );
    expect((await parseFailure('[{"a":1},]')).error.detail).toBe(
      "unexpected ']' after ',' (trailing comma)",
    );
    const after = await parseFailure('[{"a":1}]\n,');
    expect(after.error.detail).toBe('unexpected "," after the closing \']\' of the array');
    expect(after.error.line).toBe(2);
    expect((await parseFailure('[{"a":1}, @]')).error.column).toBe(11);
  });

  it('reports an input that ends too early', async () => {
    const unclosed = await parseFailure('[{"a":1}');
    expect(unclosed.records).toEqual([{ a: 1 }]);
    expect(unclosed.error.detail).toBe("unexpected end of input: the array is not closed with ']'");
    const inside = await parseFailure('[{"a":1},\n {"b": [1, 2');
    expect(inside.error.detail).toBe(
      'unexpected end of input inside the array element at index 1 (it starts at line 2, column 2)',
    );
    const empty = await parseFailure('', new JsonParser({ format: 'array' }));
    expect(empty.error.detail).toBe(
      'JsonParser: expected a JSON array of objects; the input is empty',
    );
    const notArray = await parseFailure('{"a":1}', new JsonParser({ format: 'array' }));
    expect(notArray.error.detail).toBe(
      `JsonParser: expected a JSON array of objects; got "{" where '[' should start the array`,
    );
  });

  it('round-trips arbitrary objects split at arbitrary byte boundaries (property)', async () => {
    const record = fc.dictionary(
      fc.string({ unit: 'binary', maxLength: 6 }),
      fc.jsonValue({ maxDepth: 3 }),
      {
        maxKeys: 5,
      },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { maxLength: 8 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 10 }),
        async (records, pretty, cuts) => {
          const text = pretty ? JSON.stringify(records, null, 2) : JSON.stringify(records);
          const bytes = Buffer.from(text);
          const parsed = await collect(
            new JsonParser({ keepNestedValues: true }).parseStream(
              splitAt(
                bytes,
                cuts.map((c) => c % (bytes.length + 1)),
              ),
            ),
          );
          expect(parsed).toEqual(JSON.parse(text));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('JsonParser, NDJSON', () => {
  it('reads one object per line, ignoring blank lines, with CRLF and no final newline', async () => {
    const text = '{"a":1}\r\n\n  \n{"a":"x\\ny"}\n{"a":[1,{"b":2}]}';
    for (const chunk of [0, 1, 4]) {
      expect(await parseJson(text, new JsonParser({ keepNestedValues: true }), chunk)).toEqual([
        { a: 1 },
        { a: 'x\ny' },
        { a: [1, { b: 2 }] },
      ]);
    }
    expect(await parseJson(text, new JsonParser({ format: 'ndjson' }), 3)).toHaveLength(3);
  });

  it('yields nothing for an empty or blank input', async () => {
    expect(await parseJson('')).toEqual([]);
    expect(await parseJson(' \n\n ')).toEqual([]);
  });

  it('reports invalid lines with line, column and record number', async () => {
    const { records, error } = await parseFailure('{"a":1}\n\n{"a" 2}\n{"a":3}\n');
    expect(records).toEqual([{ a: 1 }]);
    expect(error.format).toBe('ndjson');
    expect(error.line).toBe(3);
    expect(error.column).toBe(6);
    expect(error.record).toBe(2);
    expect(error.position).toBe(14);
    expect(error.message).toBe(
      `Invalid NDJSON at record 2, line 3, column 6: the line is not valid JSON: expected ':' after a property name, got "2"`,
    );
  });

  it('rejects lines that are not objects', async () => {
    const { error } = await parseFailure('{"a":1}\n[1,2]\n');
    expect(error.message).toBe(
      'Invalid NDJSON at record 2, line 2, column 1: JsonParser: each NDJSON line must be a plain object; the line holds an array',
    );
    const forced = await parseFailure('[{"a":1}]', new JsonParser({ format: 'ndjson' }));
    expect(forced.error.detail).toContain('the line holds an array');
  });

  it('validates its options', () => {
    expect(() => new JsonParser({ format: 'xml' as 'array' })).toThrow(InvalidOptionError);
  });
});
