import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonParser, ParseResumeError, type JsonParserOptions } from '@batchactions/import';
import { splitAt } from './helpers/chunks';
import { expectResumableEverywhere } from './helpers/resume';

const cuts = fc.array(fc.nat(), { maxLength: 10 });

/** Small JSON inputs with the features that make resuming hard. */
const CASES: readonly { name: string; text: string; options?: JsonParserOptions }[] = [
  {
    name: 'NDJSON with blank lines, CRLF, a BOM and multi-byte text',
    text: '\uFEFF{"a":1}\r\n\r\n  \n{"a":"Zoë €"}\r\n{"a":"😀"}\n\n',
    options: { format: 'ndjson' },
  },
  { name: 'NDJSON without a final line break', text: '{"a":1}\n{"b":[1,2]}\n{"c":{"d":3}}' },
  {
    name: 'NDJSON failing on a later line',
    text: '{"a":1}\n\n{"a":2}\n{"a":}\n{"a":4}\n',
  },
  { name: 'NDJSON with a line that is not an object', text: '{"a":1}\n[1]\n' },
  {
    name: 'array with whitespace and line breaks between elements, nested values',
    text: ' \n[\n  {"a":1,"n":{"x":[1,{"y":"]"}]}} ,\n\n {"a":"}\\"{"},{"a":"Zoë"}\r\n,  {"a":[]}\n]\n ',
  },
  {
    name: 'array with nested values kept',
    text: '[{"a":{"b":1}},{"a":[1,2]},{"a":"€"}]',
    options: { keepNestedValues: true, format: 'array' },
  },
  { name: 'array with a BOM', text: '\uFEFF[{"a":1},\n{"a":2}]' },
  { name: 'array with an invalid element', text: '[{"a":1},\n {"a":2},\n {"a":tru}, {"a":4}]' },
  { name: 'array with a non-object element', text: '[{"a":1},{"a":2},\n 3]' },
  { name: 'array not closed', text: '[{"a":1},{"a":2}' },
  { name: 'array with garbage after it', text: '[{"a":1},{"a":2}] x' },
  { name: 'array with a trailing comma', text: '[{"a":1},{"a":2},]' },
];

describe('JsonParser.parseStreamFrom: resume after every record (property)', () => {
  for (const { name, text, options } of CASES) {
    it(name, async () => {
      await fc.assert(
        fc.asyncProperty(cuts, cuts, async (first, second) => {
          await expectResumableEverywhere(
            () => new JsonParser(options),
            Buffer.from(text),
            first,
            second,
          );
        }),
        { numRuns: 25 },
      );
    });
  }

  it('puts an array cursor just after the element, an NDJSON cursor after the line break', async () => {
    const array = Buffer.from('[{"a":"é"} ,\n{"a":2}]');
    const { cursors } = await expectResumableEverywhere(() => new JsonParser(), array, []);
    expect(cursors.map((c) => c.byteOffset)).toEqual([11, 21]);
    const ndjson = Buffer.from('{"a":"é"}\r\n\n{"a":2}');
    const second = await expectResumableEverywhere(() => new JsonParser(), ndjson, []);
    expect(second.cursors.map((c) => c.byteOffset)).toEqual([12, ndjson.length]);
  });

  it('refuses a cursor of the other layout, of another parser, or malformed', async () => {
    const array = new JsonParser().parseStreamFrom(splitAt('[{"a":1},{"a":2}]', []));
    for await (const record of array) {
      expect(record).toEqual({ a: 1 });
      break;
    }
    const cursor = array.cursor();
    expect(() =>
      new JsonParser({ format: 'ndjson' }).parseStreamFrom(splitAt('', []), cursor),
    ).toThrow(ParseResumeError);
    expect(() =>
      new JsonParser().parseStreamFrom(splitAt('', []), {
        byteOffset: 3,
        state: { parser: 'csv' },
      }),
    ).toThrow(/made by "csv", not by a JsonParser/);
    expect(() =>
      new JsonParser().parseStreamFrom(splitAt('', []), {
        ...cursor,
        state: { ...(cursor.state as object), line: 0 },
      }),
    ).toThrow(/state\.line must be an integer >= 1, got 0/);
    expect(() =>
      new JsonParser().parseStreamFrom(splitAt('', []), { byteOffset: -1, state: {} }),
    ).toThrow(/byteOffset must be an integer >= 0/);
  });
});
