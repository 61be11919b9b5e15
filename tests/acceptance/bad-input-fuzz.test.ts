import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferSource, InMemoryDistributedStateStore } from '@batchactions/core';
import {
  CsvParser,
  JsonParser,
  MALFORMED_ROW_KEY,
  ParseError,
  XmlParser,
  type SourceParser,
} from '@batchactions/import';
import { DistributedImport } from '../../src/index';

/**
 * Fuzz harness of issue 21: generated CSV, JSON, NDJSON and XML inputs with one injected fault
 * go through the real prepare (in-memory store). Each input either fails the prepare with a
 * `ParseError` that names a line or a byte position, or every record id the input holds is in
 * a stored record, and a record holding several ids (rows swallowed by a quote) is reported in
 * `damagedRows` or invalid. Fixed seed, bounded runs.
 */

type Format = 'csv' | 'json' | 'ndjson' | 'xml';

/** Record ids: fixed width with an end mark, so a cut id is not another id. */
const idOf = (n: number): string => `ID${String(n).padStart(4, '0')}Z`;
const ID = /ID\d{4}Z/g;

const value = fc.string({ unit: fc.constantFrom('a', 'b', ' ', 'é', '1'), maxLength: 8 });

function render(format: Format, rows: readonly string[][]): string {
  switch (format) {
    case 'csv':
      return ['id,a,b', ...rows.map(([id, a, b]) => `${id},${a},"${b}"`)].join('\n') + '\n';
    case 'json':
      return `[${rows.map(([id, a, b]) => JSON.stringify({ id, a, b })).join(',\n')}]\n`;
    case 'ndjson':
      return rows.map(([id, a, b]) => JSON.stringify({ id, a, b })).join('\n') + '\n';
    case 'xml':
      return `<rows>\n${rows.map(([id, a, b]) => `<row><id>${id}</id><a>${a}</a><b>${b}</b></row>`).join('\n')}\n</rows>\n`;
  }
}

type Fault =
  | { kind: 'stray-quote' | 'open-quote' | 'truncate' | 'nul' | 'long-line' | 'nest'; at: number }
  | { kind: 'crlf' | 'bom' | 'none'; at: number };

const fault: fc.Arbitrary<Fault> = fc.record({
  kind: fc.constantFrom(
    'stray-quote',
    'open-quote',
    'truncate',
    'nul',
    'long-line',
    'nest',
    'crlf',
    'bom',
    'none',
  ),
  at: fc.nat({ max: 10_000 }),
});

const MAX_RECORD_BYTES = 4096;
const MAX_DEPTH = 30;

function inject(format: Format, text: string, f: Fault): Buffer {
  const at = text.length === 0 ? 0 : f.at % text.length;
  const splice = (s: string) => text.slice(0, at) + s + text.slice(at);
  switch (f.kind) {
    case 'stray-quote':
    case 'open-quote':
      return Buffer.from(splice(format === 'xml' ? '<' : '"'));
    case 'truncate':
      return Buffer.from(text.slice(0, at));
    case 'nul':
      return Buffer.from(splice('\0'));
    case 'long-line':
      return Buffer.from(splice('x'.repeat(MAX_RECORD_BYTES * 3)));
    case 'nest':
      return Buffer.from(
        format === 'xml'
          ? text.replace('<a>', `<a>${'<n>'.repeat(MAX_DEPTH + 5)}${'</n>'.repeat(MAX_DEPTH + 5)}`)
          : format === 'csv'
            ? text
            : text.replace(
                '"a":',
                `"a":${'['.repeat(MAX_DEPTH + 5)}${']'.repeat(MAX_DEPTH + 5)},"a2":`,
              ),
      );
    case 'crlf':
      return Buffer.from(
        text.replace(/\n/g, (m, offset: number) => (offset % 3 === 0 ? '\r\n' : m)),
      );
    case 'bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    default:
      return Buffer.from(text);
  }
}

function parserFor(format: Format): SourceParser {
  const bounds = { maxRecordBytes: MAX_RECORD_BYTES, maxDepth: MAX_DEPTH };
  if (format === 'csv')
    return new CsvParser({ malformedRows: 'invalid', maxRecordBytes: MAX_RECORD_BYTES });
  if (format === 'xml') return new XmlParser({ recordTag: 'row', ...bounds });
  return new JsonParser({ format: format === 'json' ? 'array' : 'ndjson', ...bounds });
}

const input = fc.record({
  format: fc.constantFrom<Format>('csv', 'json', 'ndjson', 'xml'),
  rows: fc.array(fc.tuple(value, value), { minLength: 1, maxLength: 25 }),
  fault,
});

describe('bad input fuzz (fixed seed): a positioned error, or every line accounted for', () => {
  it('generated CSV, JSON, NDJSON and XML with injected faults', async () => {
    await fc.assert(
      fc.asyncProperty(input, async ({ format, rows, fault: f }) => {
        const table = rows.map(([a, b], i) => [idOf(i), a, b]);
        const bytes = inject(format, render(format, table), f);
        const store = new InMemoryDistributedStateStore();
        const di = new DistributedImport({
          schema: { fields: [{ name: 'id', type: 'string', required: true }] },
          batchSize: 7,
          stateStore: store,
        });
        let outcome;
        try {
          outcome = await di.prepare(new BufferSource(bytes), parserFor(format), {});
        } catch (error: unknown) {
          // A typed error naming where: a line, or a byte/character position.
          expect(error).toBeInstanceOf(ParseError);
          const { line, position } = error as ParseError;
          expect(line !== undefined || position !== undefined).toBe(true);
          return;
        }
        // Binary bytes and records beyond the bounds never make a prepare that succeeds.
        expect(bytes.includes(0)).toBe(false);
        expect(bytes.includes('x'.repeat(MAX_RECORD_BYTES + 1))).toBe(false);
        const records = await store.getPendingRecords(outcome.jobId);
        expect(records).toHaveLength(outcome.totalRecords);
        const stored = new Set<string>();
        const damagedLines = new Set(outcome.damagedRows?.rows.map((r) => r.record) ?? []);
        for (const record of records) {
          const ids = JSON.stringify(record.raw).match(ID) ?? [];
          for (const id of ids) stored.add(id);
          if (ids.length > 1) {
            // Rows swallowed into one record: reported, never silent.
            const reported =
              record.raw[MALFORMED_ROW_KEY] !== undefined || damagedLines.has(record.index + 1);
            expect(reported).toBe(true);
          }
        }
        const inInput = new Set(bytes.toString('utf8').match(ID) ?? []);
        for (const id of inInput) expect(stored.has(id)).toBe(true);
      }),
      { seed: 20261206, numRuns: 400, endOnFailure: true },
    );
  });
});
