import { describe, expect, it } from 'vitest';
import { CsvParser, JsonParser, XmlParser } from '@batchactions/import';
import { collect, splitAt } from './helpers/chunks';

describe('published parser port: parse() is synchronous for one whole input', () => {
  it('returns a sync iterable from every parser', () => {
    for (const [parser, input] of [
      [new CsvParser(), 'a\n1\n'],
      [new JsonParser(), '[{"a":1}]'],
      [new XmlParser(), '<r><x><a>1</a></x></r>'],
    ] as const) {
      const result = parser.parse(input);
      expect(Symbol.iterator in result).toBe(true);
      expect([...(result as Iterable<unknown>)]).toHaveLength(1);
    }
  });
});

describe('CsvParser, published record shape', () => {
  it('renames repeated header names with a numeric suffix', () => {
    expect([...new CsvParser().parse('a,a,b,a\n1,2,3,4\n')]).toEqual([
      { a: '1', a_1: '2', b: '3', a_2: '4' },
    ]);
  });

  it('leaves missing keys out of short rows and puts surplus values under __parsed_extra', () => {
    expect([...new CsvParser().parse('a,b,c\n1\n1,2,3,4,5\n')]).toEqual([
      { a: '1' },
      { a: '1', b: '2', c: '3', __parsed_extra: ['4', '5'] },
    ]);
  });

  it('drops rows whose values are all empty; keeps a whitespace line as a value', () => {
    expect([...new CsvParser().parse('a,b\n,,\n,\n  \n1,2\n')]).toEqual([
      { a: '  ' },
      { a: '1', b: '2' },
    ]);
  });

  it('does not trim header names or values', () => {
    expect([...new CsvParser().parse(' a ,b\n 1 ,2\n')]).toEqual([{ ' a ': ' 1 ', b: '2' }]);
  });

  it('hasHeader: false keys every row by column number (published gave bare arrays)', () => {
    expect([...new CsvParser({ hasHeader: false }).parse('x,y\n1,2\n')]).toEqual([
      { '0': 'x', '1': 'y' },
      { '0': '1', '1': '2' },
    ]);
  });

  it('an empty delimiter means auto-detection, as published', () => {
    expect([...new CsvParser({ delimiter: '' }).parse('a;b\n1;2\n')]).toEqual([{ a: '1', b: '2' }]);
  });

  it('detect() returns the published ParserOptions shape', () => {
    expect(new CsvParser().detect('a\tb\tc\n1\t2\t3\n')).toEqual({
      delimiter: '\t',
      encoding: 'utf-8',
      hasHeader: true,
    });
  });

  it('parseStream reads a row split across chunks with one header (defect 1)', async () => {
    async function* chunks() {
      await Promise.resolve();
      yield 'name,age\nalice,3';
      yield '0\nbob,40';
    }
    expect(await collect(new CsvParser().parseStream(chunks()))).toEqual([
      { name: 'alice', age: '30' },
      { name: 'bob', age: '40' },
    ]);
  });
});

describe('JsonParser, published values and detect()', () => {
  it('replaces top-level objects and arrays with their JSON text; keeps primitives and key order', () => {
    expect([
      ...new JsonParser().parse('[{"b":1,"a":{"x":[1]},"c":[1,"2"],"d":null,"e":true}]'),
    ]).toEqual([{ b: 1, a: '{"x":[1]}', c: '[1,"2"]', d: null, e: true }]);
  });

  it('yields nothing for blank input; NDJSON accepts CRLF and blank lines', () => {
    expect([...new JsonParser().parse('  \n')]).toEqual([]);
    expect([...new JsonParser({ format: 'array' }).parse('')]).toEqual([]);
    expect([...new JsonParser().parse('{"a":1}\r\n\r\n{"a":2}')]).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('detect() says NDJSON or array', () => {
    expect(new JsonParser().detect('{"a":1}\n')).toEqual({
      encoding: 'utf-8',
      delimiter: '\n',
      hasHeader: false,
    });
    expect(new JsonParser().detect(Buffer.from(' [{"a":1}]'))).toEqual({
      encoding: 'utf-8',
      delimiter: undefined,
      hasHeader: false,
    });
  });

  it('parseStream reads an array and NDJSON split anywhere (defect 1)', async () => {
    const text = '[{"id":1,"name":"Zoë"},{"id":2,"name":"東京"}]';
    const bytes = Buffer.from(text);
    for (let cut = 0; cut <= bytes.length; cut += 3) {
      expect(await collect(new JsonParser().parseStream(splitAt(bytes, [cut])))).toEqual([
        { id: 1, name: 'Zoë' },
        { id: 2, name: '東京' },
      ]);
    }
  });
});

describe('XmlParser, published options', () => {
  it('reads recordTag, ignores attributes, self-closing fields are empty strings', () => {
    const xml =
      '<root><item id="1"><a>x</a><b/><b2 /></item><other><a>y</a></other><item><a>z</a></item></root>';
    expect([...new XmlParser({ recordTag: 'item' }).parse(xml)]).toEqual([
      { a: 'x', b: '', b2: '' },
      { a: 'z' },
    ]);
  });

  it('matches the tag exactly (published matched prefixes) and decodes entities once', () => {
    const xml = '<root><user><n>&amp;lt;</n></user><users><n>no</n></users></root>';
    expect([...new XmlParser({ recordTag: 'user' }).parse(xml)]).toEqual([{ n: '&lt;' }]);
  });

  it('detect() always answers utf-8 without header', () => {
    expect(new XmlParser().detect('<a/>')).toEqual({ encoding: 'utf-8', hasHeader: false });
  });

  it('parseStream keeps records that span chunks and detects the tag once (defect 1)', async () => {
    const xml = '<users><user><name>Ann</name></user><user><name>Bo</name></user></users>';
    for (let cut = 0; cut <= xml.length; cut++) {
      expect(await collect(new XmlParser().parseStream(splitAt(xml, [cut])))).toEqual([
        { name: 'Ann' },
        { name: 'Bo' },
      ]);
    }
  });
});
