import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BufferSource,
  FilePathSource,
  InvalidOptionError,
  StreamSource,
  UrlSource,
  knownSourceName,
  type DataSource,
  type DistributedStateStore,
} from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { DistributedImport } from '../../src/index';
import { fullPortStores, storeFactories, useTestStore } from '../support/stores';
import { usersCsv, usersSchema } from '../support/workers';

const publishedOnly = storeFactories.filter((f) => f.name.startsWith('published port only'));

function importer(store: DistributedStateStore): DistributedImport {
  return new DistributedImport({ schema: usersSchema, batchSize: 5, stateStore: store });
}

async function listedName(store: DistributedStateStore, jobId: string) {
  const entries = (await store.listJobs?.()) ?? [];
  return entries.find((entry) => entry.jobId === jobId)?.sourceName;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'source-name-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the source name of this package’s sources, without calling metadata()', () => {
  it('is a file’s base name, a URL’s last segment or the fileName given', () => {
    expect(knownSourceName(new FilePathSource('/data/in/Orders 2026.csv'))).toBe('Orders 2026.csv');
    expect(knownSourceName(new UrlSource('https://example.com/x/exports%20v2.csv?sig=1'))).toBe(
      'exports v2.csv',
    );
    expect(knownSourceName(new UrlSource('https://example.com/', { fileName: 'a.csv' }))).toBe(
      'a.csv',
    );
    expect(knownSourceName(new BufferSource('x', { fileName: 'b.csv' }))).toBe('b.csv');
    expect(knownSourceName(new StreamSource(Readable.from([]), { fileName: 'c.csv' }))).toBe(
      'c.csv',
    );
    // Defaults that name no file are not names.
    expect(knownSourceName(new BufferSource('x'))).toBeUndefined();
    expect(knownSourceName(new StreamSource(Readable.from([])))).toBeUndefined();
    expect(knownSourceName(new UrlSource('https://example.com/'))).toBeUndefined();
    expect(knownSourceName({ metadata: () => ({ fileName: 'user.csv' }) })).toBeUndefined();
    expect(knownSourceName(null)).toBeUndefined();
  });
});

describe.each(fullPortStores)('sourceName on $name', (factory) => {
  const t = useTestStore(factory);

  it('stores the name of the source, or the sourceName option, with the job', async () => {
    const file = join(dir, `users-${factory.name}.csv`);
    await writeFile(file, usersCsv(12));
    const fromFile = await importer(t.store).prepare(new FilePathSource(file), new CsvParser());
    expect(await listedName(t.store, fromFile.jobId)).toBe(`users-${factory.name}.csv`);
    expect((await t.store.getJobState(fromFile.jobId))?.sourceName).toBe(
      `users-${factory.name}.csv`,
    );

    const named = await importer(t.store).prepare(
      new BufferSource(usersCsv(3), { fileName: 'buffer.csv' }),
      new CsvParser(),
      { sourceName: 's3://bucket/2026/orders.csv', openEarly: true },
    );
    expect(await listedName(t.store, named.jobId)).toBe('s3://bucket/2026/orders.csv');

    // A user's own source is not asked for a name: the job has none.
    const own: DataSource = {
      read: () => new BufferSource(usersCsv(3)).read(),
      sample: () => Promise.resolve(''),
      metadata: () => ({ fileName: 'own.csv' }),
    };
    const unnamed = await importer(t.store).prepare(own, new CsvParser(), { jobId: 'own-job' });
    expect(await listedName(t.store, unnamed.jobId)).toBeUndefined();
    expect(await t.store.getJobState('own-job')).not.toHaveProperty('sourceName');

    const found = await t.store.listJobs?.({ search: 'ORDERS' });
    expect(found?.map((entry) => entry.jobId)).toEqual([named.jobId]);
  });

  it('prepares a source whose metadata() throws, as the published engine, which never calls it', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const unimplemented: DataSource = {
        read: () => new BufferSource(usersCsv(7)).read(),
        sample: () => Promise.resolve(''),
        metadata: () => {
          throw new Error('metadata is not implemented');
        },
      };
      const { jobId, totalRecords } = await importer(t.store).prepare(
        unimplemented,
        new CsvParser(),
      );
      expect(totalRecords).toBe(7);
      expect((await t.store.getJobState(jobId))?.totalRecords).toBe(7);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((w) => (w as Error & { code?: string }).code)).toContain(
        'BATCHACTIONS_SOURCE_METADATA',
      );
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('refuses a bad sourceName, and any on resumePrepare', async () => {
    const di = importer(t.store);
    for (const bad of ['', '  ', 'x'.repeat(1001), 42]) {
      await expect(
        di.prepare(new BufferSource(usersCsv(1)), new CsvParser(), {
          sourceName: bad as string,
        }),
      ).rejects.toMatchObject({ option: 'sourceName' });
    }
    await expect(
      di.resumePrepare('j', new BufferSource(usersCsv(1)), new CsvParser(), {
        sourceName: 'a.csv',
      } as never),
    ).rejects.toThrow(InvalidOptionError);
  });
});

describe.each(publishedOnly)('sourceName on $name', (factory) => {
  const t = useTestStore(factory);

  it('is handed to saveJobState, which a published store keeps or ignores', async () => {
    const { jobId } = await importer(t.store).prepare(
      new BufferSource(usersCsv(4), { fileName: 'p.csv' }),
      new CsvParser(),
    );
    expect((await t.store.getJobState(jobId))?.status).toBeDefined();
  });
});
