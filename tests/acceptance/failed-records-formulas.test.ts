import { describe, expect, it } from 'vitest';
import {
  guardFormula,
  renderFailedRecords,
  type FailedRecordReport,
} from '../../src/failed-records';

function report(row: number, raw: Record<string, unknown>, errors = 'bad'): FailedRecordReport {
  return { row, status: 'invalid', raw, errors };
}

const render = (reports: FailedRecordReport[], raw?: boolean): string[] =>
  [...renderFailedRecords(reports, 'csv', raw === undefined ? {} : { raw })].join('').split('\n');

describe('failed-records CSV: spreadsheet formula guard', () => {
  it("prefixes ' to text cells starting with = + - @ tab or CR, and to nothing else", () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) {
      expect(guardFormula(`${start}1+1`)).toBe(`'${start}1+1`);
    }
    for (const safe of ['', 'a=1', ' =1', "'=1", '1-2', 'user@example.com']) {
      expect(guardFormula(safe)).toBe(safe);
    }
  });

  it('guards source cells and the errors cell by default, keeps numbers and the row as they are', () => {
    const lines = render([
      report(1, { a: '=cmd|" /C calc"!A0', b: -5, c: '@x' }, '=ERR'),
      report(2, { a: 'plain', b: '-5', c: 'x\ry' }),
    ]);
    expect(lines).toEqual([
      'row,status,a,b,c,errors',
      `1,invalid,"'=cmd|"" /C calc""!A0",-5,'@x,'=ERR`,
      `2,invalid,plain,'-5,"x\ry",bad`,
      '',
    ]);
  });

  it('writes every cell as stored with raw: true', () => {
    expect(render([report(1, { a: '=1+1', b: '+x' }, '-e')], true)).toEqual([
      'row,status,a,b,errors',
      '1,invalid,=1+1,+x,-e',
      '',
    ]);
  });

  it('leaves NDJSON exact', () => {
    const text = [...renderFailedRecords([report(1, { a: '=1+1' })], 'ndjson')].join('');
    expect(JSON.parse(text)).toMatchObject({ raw: { a: '=1+1' } });
  });
});
