import { describe, expect, it } from 'vitest';
import { formatCount, formatRate } from '../../src/cli/format';

/** What the CLI printed before it stopped loading ICU's locale data for its counts. */
const intl = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

describe('formatCount (the CLI counts without Intl)', () => {
  it('groups digits by thousands and rounds half away from zero, as Intl.NumberFormat en-US', () => {
    const values = [
      0,
      1,
      12,
      999,
      1000,
      1001,
      12_345,
      999_999.5,
      1_234_567,
      0.5,
      1.5,
      2.5,
      1234.4999,
      -1,
      -999.5,
      -1_234_567.5,
      Number.MAX_SAFE_INTEGER,
      1e21,
      123_456_789_012_345_680_000,
    ];
    // A seeded sweep over magnitudes and fractions.
    let seed = 7;
    for (let i = 0; i < 2000; i += 1) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      const magnitude = 10 ** (seed % 16);
      values.push(((seed / 2 ** 31) * magnitude * (i % 2 === 0 ? 1 : -1)) / 3);
    }
    for (const value of values) {
      if (Object.is(Math.round(value), -0)) continue; // Intl prints "-0"; counts are never negative
      expect(formatCount(value), String(value)).toBe(intl.format(value));
    }
  });

  it('prints what Intl prints for values that are not finite', () => {
    for (const value of [Number.NaN, Infinity, -Infinity]) {
      expect(formatCount(value)).toBe(intl.format(value));
    }
  });

  it('formats a rate as a rounded count', () => {
    expect(formatRate(1_234_567, 1000)).toBe('1,234,567 records/s');
    expect(formatRate(10, 0)).toBe('n/a records/s');
  });
});
