import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The published README's imports, unchanged.
import { DistributedImport, isDistributedStateStore } from '@batchactions/distributed';
import { CsvParser } from '@batchactions/import';
import { InMemoryDistributedStateStore, UrlSource, type ParsedRecord } from '@batchactions/core';

/**
 * The quick start of the published 0.0.4 README (the seed), run as written, with
 * `InMemoryDistributedStateStore` as the store and the file served by a local HTTP server.
 */
describe('the published README quick start', () => {
  let server: Server;
  let url: string;
  const rows = 2_345;

  beforeAll(async () => {
    const lines = ['email,name,role'];
    for (let i = 0; i < rows; i += 1)
      lines.push(`user${i}@example.com,User ${i},${i % 7 === 0 ? 'admin' : ''}`);
    const body = lines.join('\n');
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv' });
      // Several writes, so the body arrives in many chunks.
      for (let i = 0; i < body.length; i += 10_000) res.write(body.slice(i, i + 10_000));
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/users.csv`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve, reject) =>
      server.close((e) => {
        if (e) reject(e);
        else resolve();
      }),
    );
  });

  it('runs unchanged and processes every record exactly once', async () => {
    const stateStore = new InMemoryDistributedStateStore();
    const di = new DistributedImport({
      schema: {
        fields: [
          { name: 'email', type: 'email', required: true },
          { name: 'name', type: 'string', required: true },
          { name: 'role', type: 'string', required: false, defaultValue: 'user' },
        ],
      },
      batchSize: 500,
      stateStore,
      continueOnError: true,
    });

    const summaries: { processed: number; failed: number }[] = [];
    const failures: string[] = [];
    di.on('record:failed', (e) => failures.push(`Record ${e.recordIndex} failed: ${e.error}`));
    // The 0.0.4 README listened to `import:completed`, which the published 0.0.5 API (our
    // contract) no longer has; its `job:completed` carries the same summary.
    di.on('job:completed', (e) => summaries.push(e.summary));
    const seen = new Map<string, number>();
    const processRecord = (record: ParsedRecord) => {
      const email = String(record.email);
      seen.set(email, (seen.get(email) ?? 0) + 1);
    };

    const source = new UrlSource(url);
    const { jobId, totalRecords, totalBatches } = await di.prepare(source, new CsvParser());
    expect([totalRecords, totalBatches]).toEqual([rows, 5]);

    const runWorker = async (workerId: string) => {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the README's loop, verbatim
      while (true) {
        const result = await di.processWorkerBatch(jobId, processRecord, workerId);
        if (!result.claimed || result.jobComplete) break;
      }
    };
    await Promise.all([runWorker('worker-1'), runWorker('worker-2'), runWorker('worker-3')]);

    expect(seen.size).toBe(rows);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(failures).toEqual([]);
    expect(summaries).toEqual([expect.objectContaining({ processed: rows, failed: 0 })]);
    const records = await stateStore.getProcessedRecords(jobId);
    // Published (import.md §2.4): a default applies to a missing key, not to an empty CSV cell.
    expect(records[1]?.parsed.role).toBe('');
    expect(records[0]?.parsed.role).toBe('admin');

    // "You can also manually reclaim stale batches"
    expect(isDistributedStateStore(stateStore)).toBe(true);
    expect(await stateStore.reclaimStaleBatches(jobId, 60_000)).toBe(0);
  });
});
