import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { CsvParser, JsonParser, XmlParser } from '@batchactions/import';
import { expectResumableEverywhere } from './helpers/resume';

const cuts = fc.array(fc.nat(), { maxLength: 8 });

/** Text biased towards what breaks parsers: delimiters, quotes, line breaks, multi-byte. */
const text = fc.string({
  unit: fc.constantFrom(
    ',',
    ';',
    '"',
    '\n',
    '\r',
    '\r\n',
    ' ',
    'a',
    'é',
    '東',
    '🎉',
    '<',
    '&',
    '\t',
  ),
  maxLength: 8,
});

describe('resume after every record, generated inputs (property)', () => {
  it('CSV written by csv-stringify (header or not, LF or CRLF, BOM or not)', async () => {
    const input = fc.integer({ min: 1, max: 4 }).chain((width) =>
      fc.record({
        rows: fc.array(fc.array(text, { minLength: width, maxLength: width }), { maxLength: 8 }),
        width: fc.constant(width),
        crlf: fc.boolean(),
        bom: fc.boolean(),
        hasHeader: fc.boolean(),
      }),
    );
    await fc.assert(
      fc.asyncProperty(input, cuts, cuts, async ({ rows, width, crlf, bom, hasHeader }, a, b) => {
        const header = Array.from({ length: width }, (_, i) => `c${i}`);
        const csv = stringify(hasHeader ? [header, ...rows] : rows, {
          record_delimiter: crlf ? 'windows' : 'unix',
          quoted_empty: true,
        });
        const bytes = Buffer.from((bom ? '\uFEFF' : '') + csv);
        await expectResumableEverywhere(() => new CsvParser({ hasHeader }), bytes, a, b);
      }),
      { numRuns: 60 },
    );
  });

  it('NDJSON and JSON arrays of generated objects, with random spacing', async () => {
    const input = fc.record({
      records: fc.array(fc.dictionary(text, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }), {
        maxLength: 6,
      }),
      array: fc.boolean(),
      spacing: fc.constantFrom('', ' ', '\n', '\r\n', ' \n\n '),
    });
    await fc.assert(
      fc.asyncProperty(input, cuts, cuts, async ({ records, array, spacing }, a, b) => {
        const parts = records.map((r) => JSON.stringify(r));
        const body = array
          ? `${spacing}[${spacing}${parts.join(`${spacing},${spacing}`)}${spacing}]${spacing}`
          : parts.map((p) => `${p}${spacing}\n`).join('');
        await expectResumableEverywhere(() => new JsonParser(), Buffer.from(body), a, b);
      }),
      { numRuns: 60 },
    );
  });

  it('XML with generated field text (escaped) and random spacing', async () => {
    const escape = (value: string) =>
      value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('\r', '&#13;');
    const input = fc.record({
      records: fc.array(fc.array(text, { maxLength: 3 }), { maxLength: 6 }),
      spacing: fc.constantFrom('', ' ', '\n', '\r\n', '<!-- x -->'),
    });
    await fc.assert(
      fc.asyncProperty(input, cuts, cuts, async ({ records, spacing }, a, b) => {
        const body = records
          .map(
            (fields) =>
              `<row>${fields.map((f, i) => `<f${i}>${escape(f)}</f${i}>`).join('')}</row>`,
          )
          .join(spacing);
        const xml = `<?xml version="1.0"?>${spacing}<rows>${spacing}${body}${spacing}</rows>`;
        await expectResumableEverywhere(
          () => new XmlParser({ recordTag: 'row' }),
          Buffer.from(xml),
          a,
          b,
        );
      }),
      { numRuns: 60 },
    );
  });
});
