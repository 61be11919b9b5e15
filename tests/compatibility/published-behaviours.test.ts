// Issue 22: the last published behaviours that differed. Code written for the published packages
// (matching their messages, reading getProgress, building a UrlSource from any string) gets the
// published results; our additions (positions in messages, getJobProgress) stay available.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BatchEngine,
  createBatch,
  createPendingRecord,
  FileStateStore,
  InMemoryStateStore,
  InvalidOptionError,
  JobStatus,
  markRecordFailed,
  markRecordInvalid,
  markRecordValid,
  readJobProgress,
  SourceError,
  UrlSource,
  type JobState,
  type ProcessedRecord,
  type StateStore,
} from '@batchactions/core';
import { JsonParser, ParseError, XmlParser } from '@batchactions/import';
import { DistributedImport } from '../../src/index';
import { PublishedPortStore } from './published-port-store';

const processed = (i: number): ProcessedRecord => ({
  ...markRecordValid(createPendingRecord(i, { n: i }), { n: i }),
  status: 'processed',
});

/** The error a parse (sync or streamed) ends with. */
async function parseError(records: Iterable<unknown> | AsyncIterable<unknown>): Promise<Error> {
  try {
    for await (const _record of records) {
      // read on
    }
  } catch (error) {
    return error as Error;
  }
  throw new Error('the parse did not fail');
}

async function* chunks(...parts: string[]): AsyncGenerator<string> {
  for (const part of parts) {
    await Promise.resolve();
    yield part;
  }
}

describe('published messages are kept inside ours', () => {
  it('JsonParser: the three published phrases, with our record, line and column', async () => {
    const notArray = await parseError(new JsonParser({ format: 'array' }).parse('{"a":1}'));
    expect(notArray).toBeInstanceOf(ParseError);
    expect(notArray.message).toContain('JsonParser: expected a JSON array of objects');
    expect(notArray.message).toMatch(/line 1, column 1/);

    const item = await parseError(new JsonParser().parse('[{"a":1}, 7]'));
    expect(item.message).toContain('JsonParser: each item in the array must be a plain object');
    expect(item.message).toMatch(/record 2, line 1, column 11/);

    const line = await parseError(new JsonParser().parseStream(chunks('{"a":1}\n', '[1]\n')));
    expect(line.message).toContain('JsonParser: each NDJSON line must be a plain object');
    expect(line.message).toMatch(/record 2, line 2, column 1/);

    const empty = await parseError(new JsonParser({ format: 'array' }).parseStream(chunks('')));
    expect(empty.message).toContain('expected a JSON array');
  });

  it('XmlParser: the published message whole', async () => {
    const error = await parseError(new XmlParser().parse('<root/>'));
    expect(error.message).toContain(
      'XmlParser: could not detect record tag. Provide recordTag in options.',
    );
  });

  it('a batch size below 1: "Batch size must be at least 1", in our InvalidOptionError', () => {
    const store = new PublishedPortStore();
    const make = () =>
      new DistributedImport({ schema: { fields: [] }, stateStore: store, batchSize: 0 });
    expect(make).toThrow(InvalidOptionError);
    expect(make).toThrow('Batch size must be at least 1');
    expect(make).toThrow('Invalid option "batchSize"');
    expect(() => new BatchEngine({ batchSize: 0 })).toThrow('Batch size must be at least 1');
  });
});

describe('UrlSource as published', () => {
  it('accepts a URL that does not parse; metadata() gives the default name; reading fails', async () => {
    const source = new UrlSource('not a url');
    expect(source.metadata()).toEqual({ fileName: 'remote-file', mimeType: 'text/plain' });
    await expect(source.sample()).rejects.toBeInstanceOf(SourceError);
    await expect(parseError(source.read())).resolves.toBeInstanceOf(SourceError);
  });

  it('reads a response without a body stream through text(); sample() without maxBytes is everything', async () => {
    const source = new UrlSource('https://example.test/users.csv', {
      fetch: () =>
        Promise.resolve({
          ok: true,
          status: 200,
          statusText: 'OK',
          body: null,
          text: () => Promise.resolve('id\n1\n2\n'),
        } as unknown as Response),
    });
    let read = '';
    for await (const chunk of source.read()) read += chunk;
    expect(read).toBe('id\n1\n2\n');
    expect(await source.sample()).toBe('id\n1\n2\n');
  });
});

interface MadeStore {
  readonly store: StateStore;
  readonly done: () => void;
}

describe.each([
  [
    'InMemoryStateStore',
    (): MadeStore => ({ store: new InMemoryStateStore(), done: () => undefined }),
  ],
  [
    'FileStateStore',
    (): MadeStore => {
      const directory = mkdtempSync(join(tmpdir(), 'ba-compat-progress-'));
      return {
        store: new FileStateStore({ directory }),
        done: () => {
          rmSync(directory, { recursive: true, force: true });
        },
      };
    },
  ],
] as const)('%s getProgress: the published formula (core 8.1)', (_name, make) => {
  const cleanups: (() => void)[] = [];
  afterAll(() => {
    for (const done of cleanups) done();
  });

  it('counts stored records; percentage of processed only; pending not clamped', async () => {
    const { store, done } = make();
    cleanups.push(done);
    const s: StateStore = store;
    const job: JobState = {
      id: 'job-p',
      config: { batchSize: 5 },
      status: JobStatus.PROCESSING,
      batches: [createBatch('b0', 0, []), createBatch('b1', 1, [])],
      totalRecords: 10,
      startedAt: Date.now() - 5_000,
    };
    await s.saveJobState(job);
    // The batch list says 5 processed; the stored records say 2 processed, 1 failed, 1 invalid.
    await s.updateBatchState('job-p', 'b0', {
      batchId: 'b0',
      status: 'COMPLETED',
      processedCount: 5,
      failedCount: 0,
    });
    await s.saveProcessedRecord('job-p', 'b0', processed(0));
    await s.saveProcessedRecord('job-p', 'b0', processed(1));
    await s.saveProcessedRecord('job-p', 'b0', markRecordFailed(createPendingRecord(2, {}), 'x'));
    await s.saveProcessedRecord('job-p', 'b0', markRecordInvalid(createPendingRecord(3, {}), []));
    const published = await s.getProgress('job-p');
    expect(published).toMatchObject({
      totalRecords: 10,
      processedRecords: 2,
      failedRecords: 2,
      pendingRecords: 6,
      percentage: 20,
      currentBatch: 1,
      totalBatches: 2,
    });
    expect(published.elapsedMs).toBeGreaterThanOrEqual(5_000);
    expect(published).not.toHaveProperty('estimatedRemainingMs');
    // The consistent view counts failed records as done.
    expect((await readJobProgress(s, 'job-p')).percentage).toBe(40);

    // A job row saying fewer records than stored: published pending goes below 0.
    await s.saveJobState({ ...job, totalRecords: 3 });
    expect((await s.getProgress('job-p')).pendingRecords).toBe(-1);
    expect((await readJobProgress(s, 'job-p')).pendingRecords).toBe(0);
  });
});
