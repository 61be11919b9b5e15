import { describe, expect, it } from 'vitest';
import { detectCsvDelimiter, firstLineEnd } from '../src/parsers/csv/csv-delimiter-detection';

describe('firstLineEnd', () => {
  it('finds the first line break outside quotes, \\n or \\r', () => {
    expect(firstLineEnd('a,b\nc')).toBe(3);
    expect(firstLineEnd('a,b\r\nc')).toBe(3);
    expect(firstLineEnd('"a\nb",c\nd')).toBe(7);
    expect(firstLineEnd('"a""\nb",c\rd')).toBe(9);
    expect(firstLineEnd("'a\nb',c\nd", "'")).toBe(7);
    expect(firstLineEnd('"a\nb",c\nd', "'")).toBe(2);
  });

  it('answers -1 while no complete line is there', () => {
    expect(firstLineEnd('a,b,c')).toBe(-1);
    expect(firstLineEnd('"a\nb')).toBe(-1);
    expect(firstLineEnd('')).toBe(-1);
  });
});

describe('detectCsvDelimiter', () => {
  const delimiter = (sample: string, quote?: string) => detectCsvDelimiter(sample, quote).delimiter;

  it('picks the candidate that splits the first row into the most fields', () => {
    expect(delimiter('a;b;c\n1,2,3,4,5,6')).toBe(';');
    expect(delimiter('a|b|c,d\n')).toBe('|');
    expect(delimiter('a\tb\tc;d')).toBe('\t');
  });

  it('gives ties to the earlier candidate, and "," when none occurs', () => {
    expect(delimiter('a;b,c\n')).toBe(',');
    expect(delimiter('a|b\tc\n')).toBe('\t');
    expect(delimiter('abc\n1;2;3')).toBe(',');
    expect(delimiter('')).toBe(',');
  });

  it('ignores delimiters inside quotes and skips a byte-order mark', () => {
    expect(delimiter('"a;b;c;d",e,f\n')).toBe(',');
    expect(delimiter("'a;b;c;d',e,f\n", "'")).toBe(',');
    expect(delimiter('\uFEFFa;b\n')).toBe(';');
  });

  it('returns the published shape', () => {
    expect(detectCsvDelimiter('a;b\n')).toStrictEqual({
      delimiter: ';',
      encoding: 'utf-8',
      hasHeader: true,
    });
  });
});
