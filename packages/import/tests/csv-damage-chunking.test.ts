import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvParser } from '@batchactions/import';
import { collect, splitAt } from './helpers/chunks';

/** Lines of fields, a few of them damaged (stray quotes, quotes left open), LF or CRLF. */
const input = fc.record({
  lines: fc.array(
    fc.array(fc.constantFrom('a', 'bb', '', '"q"', 'x"y', '"open', 'z\r', ' '), {
      minLength: 1,
      maxLength: 4,
    }),
    { maxLength: 40 },
  ),
  crlf: fc.boolean(),
  cuts: fc.array(fc.nat(), { maxLength: 10 }),
});

async function readAll(bytes: Buffer, cuts: readonly number[]) {
  const tracked = new CsvParser().parseStreamFrom(splitAt(bytes, cuts));
  try {
    const records = await collect(tracked);
    return { records, damaged: tracked.damagedRows?.(), cursor: tracked.cursor() };
  } catch (error: unknown) {
    return { error: String(error), damaged: tracked.damagedRows?.() };
  }
}

describe('CsvParser damaged rows (property)', () => {
  it('reports the same damaged rows, records and cursor whatever the chunk boundaries', async () => {
    await fc.assert(
      fc.asyncProperty(input, async ({ lines, crlf, cuts }) => {
        const eol = crlf ? '\r\n' : '\n';
        const text = ['h1,h2,h3', ...lines.map((fields) => fields.join(','))].join(eol) + eol;
        const bytes = Buffer.from(text);
        const whole = await readAll(bytes, []);
        const split = await readAll(
          bytes,
          cuts.map((cut) => cut % (bytes.length + 1)),
        );
        expect(split).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });
});
