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
  it('stores the usual prepared batch as a run of raw records and reads it back', () => {
    const records = [pending(10), pending(11), pending(12)];
    const text = encodePreparedRecords(records);
    expect(JSON.parse(text)).toEqual({ f: 10, w: [{ n: '10' }, { n: '11' }, { n: '12' }] });
    expect(decodePayload({ batchId: 'b', records: text, outcome: null })).toEqual(records);
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
});
