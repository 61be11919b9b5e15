import { stat } from 'node:fs/promises';
import type { ProcessedRecord } from '../model/record';
import { errorCode, readTextIfExists, writeAt, writeAtomically } from './json-files';

/**
 * The records file of one job: a JSON array with one record per line,
 * `[\n{…},\n{…}\n]`, which any JSON parser reads as the published compact array. A record with
 * a new index is appended in place of the closing `\n]` (one small write instead of the
 * published rewrite of the whole file per record); a re-saved index rewrites the file
 * atomically. A crash during an append leaves a torn last line, which reading skips.
 */
export class RecordsFile {
  private records: Map<number, ProcessedRecord> | undefined;
  /** Byte size of the file as this instance last wrote or read it. */
  private size = 0;

  constructor(readonly path: string) {}

  /** Every record in the file, in first-save order (none when the file is missing). */
  static async read(path: string): Promise<ProcessedRecord[]> {
    const text = await readTextIfExists(path);
    return text === undefined ? [] : parseRecords(text);
  }

  /** Inserts or replaces the record with the same index. Callers serialise calls per file. */
  async save(record: ProcessedRecord): Promise<void> {
    const records = await this.current();
    const line = JSON.stringify(record);
    if (records.has(record.index) || this.size < 4) {
      records.set(record.index, JSON.parse(line) as ProcessedRecord);
      await this.rewrite(records);
      return;
    }
    records.set(record.index, JSON.parse(line) as ProcessedRecord);
    // Replace the closing "\n]" by ",\n<record>\n]".
    const appended = records.size === 1 ? `${line}\n]` : `,\n${line}\n]`;
    await writeAt(this.path, this.size - 2, appended);
    this.size += Buffer.byteLength(appended) - 2;
  }

  /**
   * The cached records, reloaded when the file changed since this instance last touched it
   * (the published store never refreshed its cache).
   */
  private async current(): Promise<Map<number, ProcessedRecord>> {
    const onDisk = await fileSize(this.path);
    if (this.records && onDisk === this.size) return this.records;
    const text = await readTextIfExists(this.path);
    this.records = new Map();
    for (const record of text === undefined ? [] : parseRecords(text)) {
      this.records.set(record.index, record);
    }
    // A file in another layout (or torn) is rewritten in ours before appending to it.
    if (text === undefined || !text.endsWith('\n]') || !text.startsWith('[\n')) {
      await this.rewrite(this.records);
    } else {
      this.size = onDisk ?? 0;
    }
    return this.records;
  }

  private async rewrite(records: Map<number, ProcessedRecord>): Promise<void> {
    const lines = [...records.values()].map((r) => JSON.stringify(r));
    const text = `[\n${lines.join(',\n')}\n]`;
    await writeAtomically(this.path, text);
    this.size = Buffer.byteLength(text);
  }
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** Parses a records file; a torn last line (a crash during an append) is skipped. */
export function parseRecords(text: string): ProcessedRecord[] {
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return parsed as ProcessedRecord[];
    return [];
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  const records: ProcessedRecord[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim().replace(/^\[/, '').replace(/,$/, '').replace(/\]$/, '');
    if (line === '') continue;
    try {
      records.push(JSON.parse(line) as ProcessedRecord);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      // The torn line of an interrupted append: everything before it is intact.
    }
  }
  return records;
}
