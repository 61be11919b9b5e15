import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressDisplay } from '../../src/cli/demo/progress-display';

/** A writable that says it is a terminal (or not) and keeps what was written. */
function stream(isTTY: boolean): { out: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const pass = new PassThrough();
  pass.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  Object.assign(pass, { isTTY, columns: 200, cursorTo: () => true, clearLine: () => true });
  return { out: pass as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

describe("demo's progress display (its bar library loaded only on a terminal)", () => {
  it('draws a bar with rate, ETA and failures on a terminal', async () => {
    const tty = stream(true);
    const display = await createProgressDisplay(1000, tty.out);
    display.update({ done: 500, failed: 3, elapsedMs: 1000 });
    display.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(tty.text()).toContain('500/1000 records');
    expect(tty.text()).toContain('500 records/s');
    expect(tty.text()).toContain('failed 3');
  });

  it('prints plain lines elsewhere', async () => {
    const pipe = stream(false);
    const display = await createProgressDisplay(1000, pipe.out);
    display.update({ done: 250, failed: 1, elapsedMs: 1000 });
    display.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(pipe.text()).toBe(
      'processing: 250/1000 records (25.0%), 1 failed, 250 records/s, ETA 3.0 s\n',
    );
  });
});
