import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireFreshBuild } from '../support/built-output';

const BENCH = fileURLToPath(new URL('../../bench/record-bounds.mjs', import.meta.url));
const MiB = 1;
/** The default maxRecordBytes (64 MiB) plus a constant for Node.js itself and one chunk. */
const RSS_BOUND_MIB = 64 * MiB + 192 * MiB;

/**
 * Issue 21: a 1 GiB line without a line break, fed to each parser in its own process, fails with
 * RecordTooLargeError at the default bound instead of growing memory with the input.
 */
describe('a 1 GiB record fails within a bounded resident memory', () => {
  it.each(['csv', 'json', 'ndjson', 'xml'])('%s', (format) => {
    requireFreshBuild('import');
    const output = execFileSync(process.execPath, [BENCH, '1', '--child', format], {
      encoding: 'utf8',
    });
    const result = JSON.parse(output) as { peakRssMiB: number; outcome: string };
    expect(result.outcome).toMatch(/^RecordTooLargeError: .*record 1, line \d+.*67108864 bytes/);
    expect(result.peakRssMiB).toBeLessThan(RSS_BOUND_MIB);
  });
});
