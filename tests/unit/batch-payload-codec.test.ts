import type { ProcessedRecord } from '@batchactions/core';
import { describe, expect, it } from 'vitest';
import {
  decodePayload,
  encodeOutcomes,
  encodePreparedRecords,
} from '../../packages/state-sql/src/payload-codec';

function pending(index: number, raw: Record<string, unknown> = { n: String(index) }) {
  return { index, raw, parsed: raw, status: 'pending', errors: [] } satisfies ProcessedRecord;
}

describe('batch payload codec (issue 28)', () => {
  it("stores the usual prepared batch as its keys once and each record's values, and reads it back", () => {
    const records = [pending(10), pending(11), pending(12)];
    const text = encodePreparedRecords(records);
    expect(JSON.parse(text)).toEqual({ f: 10, c: ['n'], v: [['10'], ['11'], ['12']] });
    expect(decodePayload({ batchId: 'b', records: text, outcome: null })).toEqual(records);
  });

  it('stores a run of raw records when their keys differ, or a value is one JSON would drop', () => {
    const cases: Record<string, unknown>[][] = [
      [
        { a: '1', b: '2' },
        { b: '3', a: '4' },
      ],
      [{ a: '1' }, { a: '1', b: '2' }],
      [
        { a: '1', b: undefined },
        { a: '2', b: 'x' },
      ],
      [{ a: () => 1 }, { a: 2 }],
      [JSON.parse('{"__proto__": "x", "a": 1}') as Record<string, unknown>],
      [{ a: 1, toJSON: () => ({ b: 2 }) }],
    ];
    for (const raws of cases) {
      const records = raws.map((raw, k) => pending(k, raw));
      const text = encodePreparedRecords(records);
      expect(JSON.parse(text)).toHaveProperty('w');
      // What the records read back are: each raw record as JSON writes and reads it.
      const read = decodePayload({ batchId: 'b', records: text, outcome: null });
      const expected = raws.map((raw) => JSON.parse(JSON.stringify(raw)) as unknown);
      expect(read.map((r) => r.raw)).toEqual(expected);
      expect(read.map((r) => Object.keys(r.raw))).toEqual(
        expected.map((raw) => Object.keys(raw as object)),
      );
      expect(read.map((r) => Object.getPrototypeOf(r.raw) as unknown)).toEqual(
        expected.map(() => Object.prototype),
      );
    }
  });

  it('reads back each raw record as JSON writes it, keys in the same order, in either form', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const values: unknown[] = [
      '',
      'x',
      'ü €',
      0,
      -1.5,
      NaN,
      Infinity,
      true,
      null,
      [1, 'a'],
      { nested: { k: [null] } },
      new Date(0),
      '"quoted", comma',
    ];
    const keySets = [
      ['id', 'email', 'name'],
      ['2', 'b', '10', 'a'],
      ['constructor', 'x'],
    ];
    for (let round = 0; round < 200; round += 1) {
      const keys = keySets[Math.floor(next() * keySets.length)] as string[];
      const size = 1 + Math.floor(next() * 5);
      const raws = Array.from({ length: size }, () =>
        Object.fromEntries(keys.map((key) => [key, values[Math.floor(next() * values.length)]])),
      );
      // Sometimes the first record lacks the first key: the run form.
      if (next() < 0.2) raws[0] = Object.fromEntries(Object.entries(raws[0] ?? {}).slice(1));
      const records = raws.map((raw, k) => pending(100 + k, raw));
      const read = decodePayload({
        batchId: 'b',
        records: encodePreparedRecords(records),
        outcome: null,
      });
      const expected = raws.map((raw) => JSON.parse(JSON.stringify(raw)) as object);
      expect(read.map((r) => r.index)).toEqual(records.map((r) => r.index));
      expect(read.map((r) => r.raw)).toEqual(expected);
      expect(read.map((r) => Object.keys(r.raw))).toEqual(expected.map((raw) => Object.keys(raw)));
      expect(read.every((r) => r.parsed === r.raw && r.status === 'pending')).toBe(true);
    }
  });

  it('reads payloads stored before the column form', () => {
    const text = JSON.stringify({ f: 4, w: [{ n: '4' }, { n: '5' }] });
    expect(decodePayload({ batchId: 'b', records: text, outcome: null })).toEqual([
      pending(4),
      pending(5),
    ]);
  });

  it('keeps every record of an unusual batch: gaps, invalid records, parsed copies', () => {
    const invalid: ProcessedRecord = {
      ...pending(3),
      status: 'invalid',
      errors: [{ field: 'n', message: 'bad', code: 'TYPE_MISMATCH' }],
    };
    const parsedCopy: ProcessedRecord = { ...pending(7), parsed: { n: 7 } };
    const records = [pending(1), invalid, parsedCopy];
    const text = encodePreparedRecords(records);
    expect(decodePayload({ batchId: 'b', records: text, outcome: null })).toEqual(records);
  });

  it('lays the outcome over the stored records: runs of processed ones, differences of parsed ones', () => {
    const stored = [pending(0), pending(1), pending(2), pending(3), pending(4)];
    const done: ProcessedRecord[] = [
      { ...stored[0], status: 'processed' } as ProcessedRecord,
      { ...stored[1], status: 'processed' } as ProcessedRecord,
      { ...(stored[2] as ProcessedRecord), status: 'processed', parsed: { n: 2, extra: true } },
      {
        ...(stored[3] as ProcessedRecord),
        status: 'failed',
        processingError: 'boom',
        retryCount: 2,
      },
      { ...(stored[4] as ProcessedRecord), status: 'processed', parsed: {} },
    ];
    const outcome = encodeOutcomes(done, false);
    expect(JSON.parse(outcome)).toEqual([
      [0, 1],
      { i: 2, s: 'processed', d: { n: 2, extra: true } },
      { i: 3, s: 'failed', x: 'boom', r: 2 },
      { i: 4, s: 'processed', k: ['n'] },
    ]);
    const read = decodePayload({ batchId: 'b', records: encodePreparedRecords(stored), outcome });
    expect(read).toEqual(done);
  });

  it('takes raw records from an outcome written by the per-record methods', () => {
    const stored = [pending(0)];
    const saved: ProcessedRecord[] = [
      { ...pending(0, { n: 'new' }), status: 'processed' },
      { ...pending(5), status: 'processed', parsed: { n: 5 } },
    ];
    const read = decodePayload({
      batchId: 'b',
      records: encodePreparedRecords(stored),
      outcome: encodeOutcomes(saved, true),
    });
    expect(read).toEqual(saved);
  });
  it('writes a batch processed in full, with its retry counts, as runs, and reads them back', () => {
    const stored = Array.from({ length: 8 }, (_, k) => pending(100 + k));
    const processed = (k: number, retryCount?: number): ProcessedRecord => ({
      ...(stored[k] as ProcessedRecord),
      status: 'processed',
      ...(retryCount === undefined ? {} : { retryCount }),
    });
    // What a worker's completion writes: every record with retryCount = attempt - 1.
    const done = [0, 1, 2, 3, 4, 5, 6, 7].map((k) =>
      processed(k, k < 3 ? 0 : k < 6 ? 1 : undefined),
    );
    const outcome = encodeOutcomes(done, false);
    expect(JSON.parse(outcome)).toEqual([
      [100, 102, 0],
      [103, 105, 1],
      [106, 107],
    ]);
    const read = decodePayload({ batchId: 'b', records: encodePreparedRecords(stored), outcome });
    expect(read).toEqual(done);
    // Exactly the keys of the records given: no retryCount key where there was none.
    expect(read.map((r) => Object.keys(r))).toEqual(done.map((r) => Object.keys(r)));
    // A retry count JSON cannot keep as a run stays an entry.
    const odd = encodeOutcomes([processed(0, 0.5)], false);
    expect(JSON.parse(odd)).toEqual([{ i: 100, s: 'processed', r: 0.5 }]);
    // A whole batch of 500 is one item.
    const big = Array.from({ length: 500 }, (_, k) => ({
      ...pending(k),
      status: 'processed' as const,
      retryCount: 0,
    }));
    expect(JSON.parse(encodeOutcomes(big, false))).toEqual([[0, 499, 0]]);
  });
});
