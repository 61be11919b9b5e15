import { InvalidOptionError } from '@batchactions/core';
import { describe, expect, it } from 'vitest';
import { ParseError, XmlParser } from '@batchactions/import';
import { chunksOf, collect, collectUntilError, splitAt } from './helpers/chunks';

const DOCUMENT = `<?xml version="1.0" encoding="UTF-8"?>
<!-- exported users -->
<users>
  <user id="1" role="admin">
    <name>Ann &amp; Bo</name>
    <note><![CDATA[<b>bold</b> & raw]]></note>
    <city>Krak&#243;w &#x1F389;</city>
    <tag>a</tag>
    <tag>b</tag>
  </user>
  <user id="2">
    <name></name>
    <role>editor</role>
  </user>
  <user id="3"/>
</users>
`;

/** Published shape: attributes ignored, a repeated field keeps its last value. */
const EXPECTED = [
  { name: 'Ann & Bo', note: '<b>bold</b> & raw', city: 'Kraków 🎉', tag: 'b' },
  { name: '', role: 'editor' },
  {},
];

describe('XmlParser', () => {
  it('turns the children of the root into records, whole or one byte at a time', async () => {
    expect(await collect(new XmlParser().parse(DOCUMENT))).toEqual(EXPECTED);
    expect(await collect(new XmlParser().parseStream(chunksOf(DOCUMENT, 1)))).toEqual(EXPECTED);
  });

  it('includes the record element attributes when includeAttributes is set', async () => {
    expect(await collect(new XmlParser({ includeAttributes: true }).parse(DOCUMENT))).toEqual([
      { id: '1', role: 'admin', ...EXPECTED[0] },
      { id: '2', ...EXPECTED[1] },
      { id: '3' },
    ]);
  });

  it('decodes multi-byte characters split at every byte offset', async () => {
    const bytes = Buffer.from('<r><row><city>Zürich</city><emoji>🎉</emoji></row></r>');
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(await collect(new XmlParser().parseStream(splitAt(bytes, [cut])))).toEqual([
        { city: 'Zürich', emoji: '🎉' },
      ]);
    }
  });

  it('lets a child element win over an attribute of the same name', async () => {
    const records = await collect(
      new XmlParser({ includeAttributes: true }).parse(
        '<r><u role="attr"><role>child</role></u></r>',
      ),
    );
    expect(records).toEqual([{ role: 'child' }]);
  });

  it('uses the text of nested elements inside a field', async () => {
    const records = await collect(
      new XmlParser().parse('<r><u><address><street>Main</street> <no>1</no></address></u></r>'),
    );
    expect(records).toEqual([{ address: 'Main 1' }]);
  });

  it('trims field text, as published', async () => {
    const records = await collect(new XmlParser().parse('<r><u><name>  Ann\n</name></u></r>'));
    expect(records).toEqual([{ name: 'Ann' }]);
  });

  it('reads only the named record elements, at any depth, when recordTag is set', async () => {
    const xml = `<export><meta><count>2</count></meta>
      <data><group><item sku="A1"><qty>3</qty></item></group><item sku="B2"><qty>5</qty></item></data>
    </export>`;
    expect(
      await collect(new XmlParser({ recordTag: 'item' }).parseStream(chunksOf(xml, 3))),
    ).toEqual([{ qty: '3' }, { qty: '5' }]);
    expect(await collect(new XmlParser({ recordElement: 'item' }).parse(xml))).toHaveLength(2);
    // Auto-detection takes the root's first child element as the record tag (published).
    expect(await collect(new XmlParser().parse(xml))).toEqual([{ count: '2' }]);
  });

  it('reports a mismatched close tag with line and column', async () => {
    const xml = '<users>\n  <user><name>Ann</name></user>\n  <user><name>Bo</nam></user>\n</users>';
    const { records, error } = await collectUntilError(
      new XmlParser().parseStream(chunksOf(xml, 1)),
    );
    expect(records).toEqual([{ name: 'Ann' }]);
    expect(error).toBeInstanceOf(ParseError);
    const parseError = error as ParseError;
    expect(parseError.format).toBe('xml');
    expect(parseError.line).toBe(3);
    expect(parseError.column).toBe(22); // the end of the offending close tag
    expect(parseError.message).toMatch(/^Invalid XML at line 3, column 22: /);
    expect(parseError.detail).not.toMatch(/^\d+:\d+/);
  });

  it('reports a document that ends with open elements', async () => {
    const { records, error } = await collectUntilError(
      new XmlParser().parse('<users><user><name>Ann</name></user><user>'),
    );
    expect(records).toEqual([{ name: 'Ann' }]);
    expect(error).toBeInstanceOf(ParseError);
    expect((error as ParseError).detail).toContain('unclosed tag');
  });

  it('reports broken entities; empty input yields nothing; a childless root fails', async () => {
    const entity = await collectUntilError(
      new XmlParser().parse('<r><u><a>x &bogus; y</a></u></r>'),
    );
    expect(entity.error).toBeInstanceOf(ParseError);
    expect((entity.error as ParseError).line).toBe(1);
    expect(await collect(new XmlParser().parse(' \n'))).toEqual([]);
    const childless = await collectUntilError(new XmlParser().parse('<root/>'));
    expect(childless.error).toBeInstanceOf(ParseError);
    expect((childless.error as ParseError).detail).toBe(
      'XmlParser: could not detect record tag. Provide recordTag in options.',
    );
  });

  it('validates its options', () => {
    expect(() => new XmlParser({ recordElement: '' })).toThrow(InvalidOptionError);
    expect(() => new XmlParser({ recordTag: ' ' })).toThrow('Invalid option "recordTag"');
  });
});
