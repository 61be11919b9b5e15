import { describe, expect, it } from 'vitest';
import type { RawRecord } from '@batchactions/core';
import { ParseError } from '../src/errors/parse-error';
import { JsonArrayScanner } from '../src/parsers/json/json-array-scanner';
import type { JsonTextScanner } from '../src/parsers/json/json-text-scanner';
import { NdjsonScanner } from '../src/parsers/json/ndjson-scanner';

type Outcome =
  | { records: RawRecord[] }
  | {
      records: RawRecord[];
      error: Pick<ParseError, 'detail' | 'line' | 'column' | 'position' | 'record'>;
    };

/** Feeds `chunks` to a new scanner and ends it: the records, and the error if one was thrown. */
function scan(make: () => JsonTextScanner, chunks: string[]): Outcome {
  const scanner = make();
  const records: RawRecord[] = [];
  try {
    for (const chunk of chunks) scanner.feed(chunk, records);
    scanner.end(records);
    return { records };
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    const { detail, line, column, position, record } = error;
    return { records, error: { detail, line, column, position, record } };
  }
}

/**
 * The outcome of the whole text, checked to be the same however the text is cut: at every
 * single position, into three pieces at every pair of positions (short texts), and one
 * character at a time.
 */
function scanEveryWay(make: () => JsonTextScanner, text: string): Outcome {
  const whole = scan(make, [text]);
  for (let i = 0; i <= text.length; i++) {
    expect(scan(make, [text.slice(0, i), text.slice(i)]), `cut at ${String(i)}`).toEqual(whole);
  }
  if (text.length <= 40) {
    for (let i = 1; i < text.length; i++) {
      for (let j = i + 1; j < text.length; j++) {
        const pieces = [text.slice(0, i), text.slice(i, j), text.slice(j)];
        expect(scan(make, pieces), `cut at ${String(i)} and ${String(j)}`).toEqual(whole);
      }
    }
  }
  expect(
    scan(
      make,
      Array.from({ length: text.length }, (_, i) => text.charAt(i)),
    ),
    'one character at a time',
  ).toEqual(whole);
  return whole;
}

const array = () => new JsonArrayScanner();
const ndjson = () => new NdjsonScanner();

describe('JsonArrayScanner carries elements across chunks', () => {
  it('reads nested objects, strings with brackets, quotes and escapes', () => {
    const text = ' [ {"a":{"b":[1,{"c":"}]"}]}} ,\n{"q":"x\\"}\\\\","r":[]} ] \n';
    expect(scanEveryWay(array, text)).toEqual({
      records: [{ a: { b: [1, { c: '}]' }] } }, { q: 'x"}\\', r: [] }],
    });
  });

  it('reads an empty array', () => {
    expect(scanEveryWay(array, '\t[\r\n]\n')).toEqual({ records: [] });
  });

  it.each([
    ['', 'JsonParser: expected a JSON array of objects; the input is empty', 1, 1, 0, undefined, 0],
    [
      '{"a":1}',
      `JsonParser: expected a JSON array of objects; got "{" where '[' should start the array`,
      1,
      1,
      0,
      undefined,
      0,
    ],
    [
      '[{"a":1} {"b":2}]',
      `expected ',' or ']' after the array element at index 0, got "{"`,
      1,
      10,
      9,
      undefined,
      1,
    ],
    ['[{"a":1}] x', `unexpected "x" after the closing ']' of the array`, 1, 11, 10, undefined, 1],
    ['[{"a":1},]', "unexpected ']' after ',' (trailing comma)", 1, 10, 9, undefined, 1],
    [
      '[\n  {"a":1},\n  2]',
      'JsonParser: each item in the array must be a plain object; the element at index 1 is a number',
      3,
      3,
      15,
      2,
      1,
    ],
    [
      '[-1]',
      'JsonParser: each item in the array must be a plain object; the element at index 0 is a number',
      1,
      2,
      1,
      1,
      0,
    ],
    [
      '["s"]',
      'JsonParser: each item in the array must be a plain object; the element at index 0 is a string',
      1,
      2,
      1,
      1,
      0,
    ],
    [
      '[[1]]',
      'JsonParser: each item in the array must be a plain object; the element at index 0 is an array',
      1,
      2,
      1,
      1,
      0,
    ],
    [
      '[true]',
      'JsonParser: each item in the array must be a plain object; the element at index 0 is a boolean',
      1,
      2,
      1,
      1,
      0,
    ],
    [
      '[false]',
      'JsonParser: each item in the array must be a plain object; the element at index 0 is a boolean',
      1,
      2,
      1,
      1,
      0,
    ],
    [
      '[null]',
      'JsonParser: each item in the array must be a plain object; the element at index 0 is null',
      1,
      2,
      1,
      1,
      0,
    ],
    [
      '[9]',
      'JsonParser: each item in the array must be a plain object; the element at index 0 is a number',
      1,
      2,
      1,
      1,
      0,
    ],
    ['[:]', 'unexpected ":" where an element was expected', 1, 2, 1, undefined, 0],
    [
      '[{"a":1}',
      "unexpected end of input: the array is not closed with ']'",
      1,
      9,
      8,
      undefined,
      1,
    ],
    [
      '[\n {"a":\n 1',
      'unexpected end of input inside the array element at index 0 (it starts at line 2, column 2)',
      3,
      3,
      11,
      1,
      0,
    ],
  ])('reports %j: %s', (text, detail, line, column, position, record, count) => {
    const outcome = scanEveryWay(array, text);
    expect(outcome).toMatchObject({ error: { detail, line, column, position, record } });
    expect(outcome.records).toHaveLength(count);
  });

  it('locates invalid JSON inside an element on its own line and column', () => {
    const outcome = scanEveryWay(array, '[{"a":1},\n  {"b":\n   tru}]');
    expect(outcome).toMatchObject({
      records: [{ a: 1 }],
      error: { line: 3, record: 2 },
    });
    if (!('error' in outcome)) throw new Error('expected an error');
    expect(outcome.error.detail).toMatch(/^the array element at index 1 is not valid JSON: /);
    expect(outcome.error.column).toBeGreaterThanOrEqual(4);
    expect(outcome.error.position).toBeGreaterThanOrEqual(20);
  });
});

describe('NdjsonScanner carries lines across chunks', () => {
  it('reads one object per line, skipping blank lines, with CRLF and no final newline', () => {
    const text = '{"a":1}\r\n \t\n\n{"b":"x\\ny"}\n{"c":[1,2]}';
    expect(scanEveryWay(ndjson, text)).toEqual({
      records: [{ a: 1 }, { b: 'x\ny' }, { c: [1, 2] }],
    });
  });

  it('yields nothing for blank input', () => {
    expect(scanEveryWay(ndjson, '')).toEqual({ records: [] });
    expect(scanEveryWay(ndjson, ' \n\t\r\n')).toEqual({ records: [] });
  });

  it.each([
    [
      '{"a":1}\n\n[1]\n',
      'JsonParser: each NDJSON line must be a plain object; the line holds an array',
      3,
      1,
      9,
      2,
    ],
    [
      '{"a":1}\n"s"',
      'JsonParser: each NDJSON line must be a plain object; the line holds a string',
      2,
      1,
      8,
      2,
    ],
    [
      '7\n',
      'JsonParser: each NDJSON line must be a plain object; the line holds a number',
      1,
      1,
      0,
      1,
    ],
    [
      '\nnull',
      'JsonParser: each NDJSON line must be a plain object; the line holds null',
      2,
      1,
      1,
      1,
    ],
    [
      'true',
      'JsonParser: each NDJSON line must be a plain object; the line holds a boolean',
      1,
      1,
      0,
      1,
    ],
  ])('reports %j: %s', (text, detail, line, column, position, record) => {
    expect(scanEveryWay(ndjson, text)).toMatchObject({
      error: { detail, line, column, position, record },
    });
  });

  it('locates invalid JSON with line, column, position and record number', () => {
    const outcome = scanEveryWay(ndjson, '{"a":1}\n\n{"b":2,}\n{"c":3}\n');
    expect(outcome).toMatchObject({ records: [{ a: 1 }], error: { line: 3, record: 2 } });
    if (!('error' in outcome)) throw new Error('expected an error');
    expect(outcome.error.detail).toMatch(/^the line is not valid JSON: /);
    expect(outcome.error.position).toBe(9 + (outcome.error.column ?? 0) - 1);
    expect(outcome.error.column).toBeGreaterThan(1);
  });
});
