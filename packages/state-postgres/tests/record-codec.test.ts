import type { ProcessedRecord } from '@batchactions/core';
import { describe, expect, it } from 'vitest';
import { encodeOutcomes, encodeRecords } from '../src/record-codec';

const record = (
  raw: ProcessedRecord['raw'],
  parsed: ProcessedRecord['parsed'],
): ProcessedRecord => ({
  index: 0,
  raw,
  parsed,
  status: 'processed',
  errors: [],
});

describe('record codec', () => {
  it('stores parsed only when it serialises differently from raw', () => {
    const raw = { id: '1', n: 2, ok: true, none: null };
    const cases: [ProcessedRecord['parsed'], string | null][] = [
      [raw, null],
      [{ ...raw }, null],
      [{ ...raw, n: 3 }, JSON.stringify([{ ...raw, n: 3 }])],
      [
        { n: 2, id: '1', ok: true, none: null },
        JSON.stringify([{ n: 2, id: '1', ok: true, none: null }]),
      ],
      [{ ...raw, extra: undefined }, null],
      [{ ...raw, nested: { a: 1 } }, JSON.stringify([{ ...raw, nested: { a: 1 } }])],
      [{ ...raw, n: Number.NaN }, JSON.stringify([{ ...raw, n: null }])],
    ];
    for (const [parsed, expected] of cases) {
      expect(encodeRecords([record(raw, parsed)]).parsed).toBe(expected);
    }
    const nested = { list: [1, 2], deep: { a: 'x' } };
    expect(encodeRecords([record(nested, structuredClone(nested))]).parsed).toBeNull();
    expect(encodeRecords([record({ n: 0 }, { n: -0 })]).parsed).toBeNull();
  });

  it('leaves the raw payloads out of an outcome update and keeps the last record per index', () => {
    const first = record({ a: '1' }, { a: '1' });
    const again: ProcessedRecord = { ...first, status: 'failed', processingError: 'boom' };
    const outcome = encodeOutcomes([first, again]);
    expect(outcome).not.toHaveProperty('raws');
    expect(outcome).toMatchObject({
      count: 1,
      indexes: [0],
      statuses: ['failed'],
      parsed: null,
      errors: null,
      processingErrors: ['boom'],
      retryCounts: null,
    });
  });
});
