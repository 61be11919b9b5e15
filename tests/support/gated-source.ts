import type { DataSource, SourceMetadata } from '@batchactions/core';

/**
 * A CSV source of `rows` user rows (as `usersCsv`) streamed in chunks of `rowsPerChunk` rows.
 * Before yielding chunk `i` (0-based; chunk 0 holds the header) it awaits `beforeChunk(i)`, so a
 * test can act at a known point of a running `prepare`, or make the source fail there. `bad(i)`
 * makes row i's email invalid (as `usersCsv`).
 */
export class GatedCsvSource implements DataSource {
  /** How many chunks were read (the prepare stops reading when it is interrupted). */
  chunksRead = 0;

  constructor(
    private readonly rows: number,
    private readonly rowsPerChunk: number,
    private readonly beforeChunk: (index: number) => Promise<void> | void,
    private readonly bad: (row: number) => boolean = () => false,
  ) {}

  async *read(): AsyncIterable<string> {
    this.chunksRead = 0;
    let index = 0;
    await this.beforeChunk(index);
    this.chunksRead += 1;
    yield 'id,email,name\n';
    for (let start = 0; start < this.rows; start += this.rowsPerChunk) {
      index += 1;
      await this.beforeChunk(index);
      this.chunksRead += 1;
      const end = Math.min(this.rows, start + this.rowsPerChunk);
      let text = '';
      for (let i = start; i < end; i += 1) {
        text += `${i},${this.bad(i) ? 'not-an-email' : `user${i}@example.com`},User ${i}\n`;
      }
      yield text;
    }
  }

  sample(): Promise<string> {
    return Promise.resolve('id,email,name\n');
  }

  metadata(): SourceMetadata {
    return { fileName: 'gated.csv' };
  }
}
