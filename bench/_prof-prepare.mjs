// Profiles only `DistributedImport.prepare` of an N-row users CSV into a fresh store with the
// inspector (the CSV is written and the store opened before the profiler starts).
// Usage: npm run build && node bench/_prof-prepare.mjs <rows> <out.cpuprofile> [sqlite|postgres|memory] [payloads]
import { Session } from 'node:inspector/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { FilePathSource, InMemoryDistributedStateStore } from '@batchactions/core';
import { DistributedImport } from '@batchactions/distributed';
import { CsvParser } from '@batchactions/import';
import { schema, usersCsvLines } from './shared.mjs';
import { freshStore } from './stores.mjs';
const rows = Number(process.argv[2] ?? 50000);
const out = process.argv[3];
const kind = process.argv[4] ?? 'sqlite';
const batchPayloads = process.argv[5] === 'payloads';
const dir = mkdtempSync(join(tmpdir(), 'ba-prof-'));
const csv = join(dir, 'u.csv');
writeFileSync(csv, [...usersCsvLines(rows)].join(''));
const rig =
  kind === 'memory'
    ? { open: () => new InMemoryDistributedStateStore(), dispose: () => undefined }
    : await freshStore(kind, { batchPayloads });
const store = await rig.open();
const di = new DistributedImport({ schema, batchSize: 500, stateStore: store });
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
await session.post('Profiler.start');
const { totalRecords } = await di.prepare(new FilePathSource(csv), new CsvParser());
const { profile } = await session.post('Profiler.stop');
if (totalRecords !== rows) throw new Error('bad');
writeFileSync(out, JSON.stringify(profile));
await store.close?.();
await rig.dispose();
rmSync(dir, { recursive: true, force: true });
