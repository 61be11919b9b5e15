import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under the OS temp dir holding one database file; `remove()` deletes it all. */
export interface TempDb {
  readonly filename: string;
  remove(): void;
}

export function tempDb(label = 'store'): TempDb {
  const dir = mkdtempSync(join(tmpdir(), `batchactions-sqlite-${label}-`));
  return {
    filename: join(dir, 'state.db'),
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
