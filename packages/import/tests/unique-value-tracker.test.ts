import { describe, expect, it } from 'vitest';
import { UniqueValueTracker } from '@batchactions/import';

describe('UniqueValueTracker', () => {
  it('reports values already seen, per field', () => {
    const tracker = new UniqueValueTracker(['email', 'code']);
    expect(tracker.check({ email: 'a@b.io', code: 'X' })).toEqual([]);
    expect(tracker.check({ email: 'c@d.io', code: 'X' })).toEqual([
      {
        field: 'code',
        code: 'DUPLICATE_VALUE',
        message: 'Field "code" has duplicate value "X": an earlier record already has it',
        value: 'X',
      },
    ]);
    const both = tracker.check({ email: 'a@b.io', code: 'X' });
    expect(both.map((e) => e.field)).toEqual(['email', 'code']);
  });

  it('compares case-sensitively', () => {
    const tracker = new UniqueValueTracker(['email']);
    expect(tracker.check({ email: 'A@b.io' })).toEqual([]);
    expect(tracker.check({ email: 'a@b.io' })).toEqual([]);
    expect(tracker.check({ email: 'a@b.io' })).toHaveLength(1);
  });

  it('ignores missing values and fields not tracked', () => {
    const tracker = new UniqueValueTracker(['id']);
    for (const missing of [undefined, null, '', '  ']) {
      expect(tracker.check({ id: missing, other: 'same' })).toEqual([]);
      expect(tracker.check({ id: missing, other: 'same' })).toEqual([]);
    }
  });

  it('treats a number and its text as the same value', () => {
    const tracker = new UniqueValueTracker(['id']);
    expect(tracker.check({ id: 7 })).toEqual([]);
    expect(tracker.check({ id: '7' })).toHaveLength(1);
  });
});
