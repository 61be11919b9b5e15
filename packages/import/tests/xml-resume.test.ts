import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseResumeError, XmlParser, type XmlParserOptions } from '@batchactions/import';
import { splitAt } from './helpers/chunks';
import { expectResumableEverywhere } from './helpers/resume';

const cuts = fc.array(fc.nat(), { maxLength: 10 });

/** Small XML inputs with the features that make resuming hard. */
const CASES: readonly { name: string; text: string; options?: XmlParserOptions }[] = [
  {
    name: 'auto-detected record tag, comments and whitespace between records',
    text: '<?xml version="1.0"?>\n<rows>\n  <row><a>1</a><b>Zoë</b></row>\n  <!-- c -->\n  <row><a>2</a></row><row/>\n</rows>\n',
  },
  {
    name: 'attributes, CDATA, entities and multi-byte text',
    text: '<rows><row id="1" b="x"><b>&lt;€&gt;</b></row>\r\n<row id="2"><b><![CDATA[<😀>]]></b></row><row id="3">t</row></rows>',
    options: { includeAttributes: true },
  },
  {
    name: 'records inside nested non-record elements',
    text: '<doc><meta><n>skip</n></meta><group name="g"><item><v>1</v></item><item><v>2</v></item></group>\n<group><item><v>3</v></item></group><tail/></doc>',
    options: { recordTag: 'item' },
  },
  {
    name: 'nested elements inside a record field',
    text: '<r><rec><f>a<i>b</i>c</f><g><h>1</h></g></rec><rec><f>2</f></rec></r>',
  },
  {
    name: 'malformed after some records (error line and column after resume)',
    text: '<r>\n  <rec><a>1</a></rec> <rec><a>2</a></rec>\n  <rec><a>3</b></rec>\n</r>',
  },
  {
    name: 'astral characters in the open element names (columns count code points)',
    text: '<röot😀><g😀><rec><a>1</a></rec><rec><a>2</b></rec></g😀></röot😀>',
    options: { recordTag: 'rec' },
  },
  { name: 'not closed', text: '<r><rec><a>1</a></rec><rec><a>2</a></rec>' },
  { name: 'text after the root', text: '<r><rec><a>1</a></rec><rec/></r>\n<x/>' },
  {
    name: 'leading whitespace and a BOM',
    text: '\uFEFF  \n <r><rec><a>1</a></rec><rec><a>2</a></rec></r>',
  },
];

describe('XmlParser.parseStreamFrom: resume after every record (property)', () => {
  for (const { name, text, options } of CASES) {
    it(name, async () => {
      await fc.assert(
        fc.asyncProperty(cuts, cuts, async (first, second) => {
          await expectResumableEverywhere(
            () => new XmlParser(options),
            Buffer.from(text),
            first,
            second,
          );
        }),
        { numRuns: 25 },
      );
    });
  }

  it('puts the cursor just after the closing tag, and errors keep their place', async () => {
    const text = '<r><rec><a>é</a></rec>\n<rec/><rec><a>1</b></rec></r>';
    const { cursors, outcome } = await expectResumableEverywhere(
      () => new XmlParser(),
      Buffer.from(text),
      [],
    );
    expect(cursors.map((c) => c.byteOffset)).toEqual([23, 30]);
    expect(outcome.error).toMatchObject({ line: 2, type: 'ParseError' });
  });

  it('refuses a cursor for another record tag or of another parser', async () => {
    const tracked = new XmlParser().parseStreamFrom(splitAt('<r><a/><a/></r>', []));
    for await (const record of tracked) {
      expect(record).toEqual({});
      break;
    }
    const cursor = tracked.cursor();
    expect(() =>
      new XmlParser({ recordTag: 'b' }).parseStreamFrom(splitAt('', []), cursor),
    ).toThrow(ParseResumeError);
    expect(() =>
      new XmlParser().parseStreamFrom(splitAt('', []), {
        ...cursor,
        state: { ...(cursor.state as object), path: ['r><x'] },
      }),
    ).toThrow(/is not an element name/);
  });
});
