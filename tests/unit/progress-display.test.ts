import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressDisplay, type ProgressSnapshot } from '../../src/cli/demo/progress-display';

/**
 * What the display prints for `snapshot` (one update, then stop) on a stream of 1,000 records
 * that says it is a terminal, or not.
 */
async function shown(isTTY: boolean, snapshot: ProgressSnapshot): Promise<string> {
  const chunks: string[] = [];
  const pass = new PassThrough();
  pass.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  Object.assign(pass, { isTTY, columns: 200, cursorTo: () => true, clearLine: () => true });
  const display = await createProgressDisplay(1000, pass as unknown as NodeJS.WriteStream);
  display.update(snapshot);
  display.stop();
  await new Promise((resolve) => setImmediate(resolve));
  return chunks.join('');
}

describe("demo's progress display (its bar library loaded only on a terminal)", () => {
  it('draws a bar with rate, ETA and failures on a terminal', async () => {
    const text = await shown(true, { done: 500, failed: 3, elapsedMs: 1000 });
    expect(text).toContain('500/1000 records');
    expect(text).toContain('500 records/s');
    expect(text).toContain('failed 3');
  });

  it('prints plain lines elsewhere', async () => {
    expect(await shown(false, { done: 250, failed: 1, elapsedMs: 1000 })).toBe(
      'processing: 250/1000 records (25.0%), 1 failed, 250 records/s, ETA 3.0 s\n',
    );
  });
});
