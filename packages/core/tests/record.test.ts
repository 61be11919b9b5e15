import {
  createBatch,
  createPendingRecord,
  getErrors,
  getWarnings,
  hasErrors,
  isEmptyRow,
  isFailedRecord,
  markRecordFailed,
  markRecordInvalid,
  markRecordProcessed,
  markRecordValid,
  type ValidationError,
} from '@batchactions/core';
import { describe, expect, it } from 'vitest';

const required: ValidationError = { field: 'email', message: 'required', code: 'REQUIRED' };
const warning: ValidationError = {
  field: 'age',
  message: 'looks odd',
  code: 'CUSTOM_VALIDATION',
  severity: 'warning',
};

describe('record helpers', () => {
  it('creates a pending record whose parsed value starts as the raw one', () => {
    const record = createPendingRecord(4, { email: 'a@b.c' });
    expect(record).toEqual({
      index: 4,
      raw: { email: 'a@b.c' },
      parsed: { email: 'a@b.c' },
      status: 'pending',
      errors: [],
    });
  });

  it('marks a record valid with its parsed value and warnings, without mutating it', () => {
    const pending = createPendingRecord(0, { age: '7' });
    const valid = markRecordValid(pending, { age: 7 }, [warning]);
    expect(valid).toMatchObject({ status: 'valid', parsed: { age: 7 }, errors: [warning] });
    expect(pending.status).toBe('pending');
    expect(hasErrors(valid.errors)).toBe(false);
    expect(getWarnings(valid.errors)).toEqual([warning]);
  });

  it('marks a record invalid with its errors, keeping parsed unless given', () => {
    const pending = createPendingRecord(1, { email: '' });
    const invalid = markRecordInvalid(pending, [required, warning]);
    expect(invalid).toMatchObject({ status: 'invalid', parsed: { email: '' } });
    expect(hasErrors(invalid.errors)).toBe(true);
    expect(getErrors(invalid.errors)).toEqual([required]);
    expect(getWarnings(invalid.errors)).toEqual([warning]);
    expect(isFailedRecord(invalid)).toBe(true);
    expect(markRecordInvalid(pending, [required], { email: null }).parsed).toEqual({ email: null });
  });

  it('marks a record failed with the processing error and retry count', () => {
    const failed = markRecordFailed(createPendingRecord(2, {}), 'db down', 2);
    expect(failed).toMatchObject({ status: 'failed', processingError: 'db down', retryCount: 2 });
    expect(isFailedRecord(failed)).toBe(true);
    expect('retryCount' in markRecordFailed(createPendingRecord(2, {}), 'x')).toBe(false);
  });

  it('marks a record processed', () => {
    const processed = markRecordProcessed(createPendingRecord(3, { a: 1 }), 1);
    expect(processed).toMatchObject({ status: 'processed', retryCount: 1 });
    expect(isFailedRecord(processed)).toBe(false);
  });

  it('treats a finding without severity as an error', () => {
    expect(hasErrors([warning])).toBe(false);
    expect(hasErrors([required])).toBe(true);
    expect(hasErrors([{ ...required, severity: 'error' }])).toBe(true);
  });

  it.each([
    [{}, true],
    [{ a: '', c: null, d: undefined }, true],
    // Published: whitespace is a value, not emptiness.
    [{ a: '', b: '   ' }, false],
    [{ a: [] }, false],
    [{ a: '', b: 'x' }, false],
    [{ a: 0 }, false],
    [{ a: false }, false],
  ])('isEmptyRow(%j) is %s', (row, expected) => {
    expect(isEmptyRow(row)).toBe(expected);
  });

  it('creates a pending batch spanning its records', () => {
    const records = [createPendingRecord(10, {}), createPendingRecord(11, {})];
    expect(createBatch('b1', 1, records)).toMatchObject({
      id: 'b1',
      index: 1,
      status: 'PENDING',
      processedCount: 0,
      failedCount: 0,
      recordStartIndex: 10,
      recordEndIndex: 11,
    });
    expect(createBatch('b2', 2, [])).not.toHaveProperty('recordStartIndex');
  });
});
