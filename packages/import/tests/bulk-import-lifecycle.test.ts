import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  BufferSource,
  BulkImport,
  CsvParser,
  FilePathSource,
  InMemoryStateStore,
  JsonParser,
  StreamSource,
  XmlParser,
  type SchemaDefinition,
} from '@batchactions/import';

const SCHEMA: SchemaDefinition = {
  fields: [
    { name: 'email', type: 'email', required: true, aliases: ['mail'] },
    { name: 'name', type: 'string', required: true },
    { name: 'age', type: 'number', required: false },
  ],
};

function csvRows(count: number): string {
  const lines = ['email,name,age'];
  for (let i = 0; i < count; i++) lines.push(`user${i}@example.com,"Name, ${i}",${i % 90}`);
  return `${lines.join('\n')}\n`;
}

describe('BulkImport.generateTemplate', () => {
  it('produces the published example exactly', () => {
    const schema: SchemaDefinition = {
      fields: [
        { name: 'email', type: 'email', required: true },
        { name: 'name', type: 'string', required: true },
        { name: 'age', type: 'number', required: false },
        { name: 'active', type: 'boolean', required: false },
        { name: 'joinDate', type: 'date', required: false },
      ],
    };
    expect(BulkImport.generateTemplate(schema, { exampleRows: 2 })).toBe(
      'email,name,age,active,joinDate\nuser1@example.com,name_1,100,false,2024-01-01\nuser2@example.com,name_2,200,true,2024-01-02',
    );
    expect(BulkImport.generateTemplate(schema)).toBe('email,name,age,active,joinDate');
    expect(BulkImport.generateTemplate(schema, { exampleRows: -3 })).toBe(
      'email,name,age,active,joinDate',
    );
  });

  it('uses defaults, separators and custom names; quotes cells that need it (defect 11)', () => {
    const schema: SchemaDefinition = {
      fields: [
        { name: 'tags', type: 'array', required: false, separator: '|' },
        { name: 'list', type: 'array', required: false },
        { name: 'role', type: 'custom', required: false, defaultValue: 'a "b"' },
        { name: 'n', type: 'number', required: false, defaultValue: 5 },
        { name: 'x', type: 'custom', required: false },
      ],
    };
    expect(BulkImport.generateTemplate(schema, { exampleRows: 32 }).split('\n')[32]).toBe(
      'value32a|value32b,"value32a,value32b","a ""b""",5,x_32',
    );
  });
});

describe('BulkImport.preview', () => {
  it('classifies the first records, counts what it sampled and lists the columns', async () => {
    const importer = new BulkImport({ schema: SCHEMA }).from(
      new BufferSource('mail,name,extra\na@x.io,Ann,1\nbad,Bo,2\nc@x.io,Cy,3\n'),
      new CsvParser(),
    );
    const preview = await importer.preview(2);
    expect(preview.totalSampled).toBe(2);
    expect(preview.columns).toEqual(['email', 'name', 'extra']);
    expect(preview.validRecords).toEqual([
      {
        index: 0,
        raw: { mail: 'a@x.io', name: 'Ann', extra: '1' },
        parsed: { email: 'a@x.io', name: 'Ann', extra: '1' },
        status: 'valid',
        errors: [],
      },
    ]);
    expect(preview.invalidRecords.map((r) => [r.index, r.status, r.parsed])).toEqual([
      [1, 'invalid', { mail: 'bad', name: 'Bo', extra: '2' }],
    ]);
    expect(importer.getStatus().status).toBe('CREATED');
    expect((await importer.preview()).totalSampled).toBe(3);
    expect((await importer.preview(0)).totalSampled).toBe(0);
  });

  it('agrees with start(): warnings-only records are valid, duplicates in the sample invalid (defect 4)', async () => {
    const schema: SchemaDefinition = {
      fields: [
        {
          name: 'email',
          type: 'email',
          required: true,
          customValidator: (v) => ({ valid: String(v) !== 'w@x.io', severity: 'warning' }),
        },
      ],
      uniqueFields: ['email'],
      skipEmptyRows: true,
    };
    const importer = new BulkImport({ schema }).from(
      new BufferSource('{"email":"w@x.io"}\n{"email":""}\n{"email":"W@x.io"}\n'),
      new JsonParser(),
    );
    const preview = await importer.preview();
    expect(preview.totalSampled).toBe(3);
    expect(preview.validRecords.map((r) => [r.index, r.errors.length])).toEqual([[0, 1]]);
    expect(preview.invalidRecords.map((r) => [r.index, r.errors.map((e) => e.code)])).toEqual([
      [2, ['DUPLICATE_VALUE']],
    ]);
  });

  it('rejects without a source, with the published message', async () => {
    await expect(new BulkImport({ schema: SCHEMA }).preview()).rejects.toThrow(
      'Source and parser must be configured. Call .from(source, parser) first.',
    );
  });

  it('a StreamSource can be started after preview (defect 15)', async () => {
    const stream = new PassThrough();
    const importer = new BulkImport({ schema: SCHEMA }).from(
      new StreamSource(stream),
      new CsvParser(),
    );
    stream.end(csvRows(5));
    expect((await importer.preview(2)).validRecords).toHaveLength(2);
    const seen: unknown[] = [];
    await importer.start((record) => {
      seen.push(record.email);
      return Promise.resolve();
    });
    expect(seen).toEqual([0, 1, 2, 3, 4].map((i) => `user${i}@example.com`));
  });
});

describe('BulkImport lifecycle', () => {
  it('starts CREATED with a job id; count() does not change it; a second start() is refused', async () => {
    const importer = new BulkImport({ schema: SCHEMA }).from(
      new BufferSource(csvRows(3)),
      new CsvParser(),
    );
    expect(importer.getStatus().status).toBe('CREATED');
    expect(importer.getJobId()).toMatch(/^[0-9a-f-]{36}$/);
    expect(await importer.count()).toBe(3);
    await importer.start(() => Promise.resolve());
    expect(importer.getStatus()).toMatchObject({ status: 'COMPLETED', state: 'COMPLETED' });
    expect(importer.getPendingRecords()).toEqual([]);
    await expect(importer.start(() => Promise.resolve())).rejects.toThrow(
      "Cannot start job from status 'COMPLETED'",
    );
  });

  it('start(), count() and processChunk() without from() name the method BulkImport has (defect 12)', async () => {
    const importer = new BulkImport({ schema: SCHEMA });
    const message = 'Source and parser must be configured. Call .from(source, parser) first.';
    await expect(importer.start(() => Promise.resolve())).rejects.toThrow(message);
    await expect(importer.count()).rejects.toThrow(message);
    await expect(importer.processChunk(() => Promise.resolve())).rejects.toThrow(message);
  });

  it('pause() holds the run until resume(); abort() stops it', async () => {
    const importer = new BulkImport({ schema: SCHEMA, batchSize: 2 }).from(
      new BufferSource(csvRows(6)),
      new CsvParser(),
    );
    const seen: string[] = [];
    // The processor hands its pause() to the test, which waits for it (not for wall-clock time).
    let handPause!: (pausing: Promise<void>) => void;
    const paused = new Promise<void>((resolve) => {
      handPause = resolve;
    });
    const run = importer.start((record) => {
      seen.push(String(record.email));
      if (seen.length === 1) handPause(importer.pause());
      return Promise.resolve();
    });
    await paused;
    expect(importer.getStatus().status).toBe('PAUSED');
    const during = seen.length;
    importer.resume();
    await run;
    expect(during).toBe(1);
    expect(seen).toHaveLength(6);

    const second = new BulkImport({ schema: SCHEMA, batchSize: 1 }).from(
      new BufferSource(csvRows(6)),
      new CsvParser(),
    );
    let count = 0;
    await second.start(async () => {
      count += 1;
      if (count === 2) await second.abort();
    });
    expect(second.getStatus().status).toBe('ABORTED');
    expect(count).toBe(2);
  });

  it('processChunk and restore continue a job in chunks on a shared store', async () => {
    const stateStore = new InMemoryStateStore();
    const input = csvRows(25);
    const seen: string[] = [];
    const processor = (record: Record<string, unknown>) => {
      seen.push(String(record.email));
      return Promise.resolve();
    };
    const first = new BulkImport({ schema: SCHEMA, batchSize: 10, stateStore }).from(
      new BufferSource(input),
      new CsvParser(),
    );
    const chunk = await first.processChunk(processor, { maxRecords: 10 });
    expect(chunk).toMatchObject({ done: false, processedRecords: 10, totalProcessed: 10 });
    const restored = await BulkImport.restore(first.getJobId(), {
      schema: SCHEMA,
      batchSize: 3, // the saved batch size wins
      stateStore,
    });
    if (restored === null) throw new Error('expected the job to be restored');
    expect(restored.getJobId()).toBe(first.getJobId());
    expect(restored.getStatus().status).toBe('CREATED');
    restored.from(new BufferSource(input), new CsvParser());
    let result = await restored.processChunk(processor, { maxRecords: 10 });
    while (!result.done) result = await restored.processChunk(processor, { maxRecords: 10 });
    expect(result.totalProcessed).toBe(25);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `user${i}@example.com`));
  });

  it('restore() needs a store and resolves null for an unknown job', async () => {
    await expect(BulkImport.restore('x', { schema: SCHEMA })).rejects.toThrow(
      'A stateStore is required to restore a job. Provide the same StateStore used when the job was created.',
    );
    expect(
      await BulkImport.restore('missing', { schema: SCHEMA, stateStore: new InMemoryStateStore() }),
    ).toBeNull();
  });
});

describe('BulkImport over files larger than one read chunk (defect 1)', () => {
  it('gives exactly the rows written, for CSV, NDJSON, JSON arrays and XML', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bulk-import-'));
    try {
      const rows = 3000; // well over one 64 KiB chunk in every format, and 1 KiB chunks below
      const files: [string, string, CsvParser | JsonParser | XmlParser][] = [];
      const people = Array.from({ length: rows }, (_, i) => ({
        email: `user${i}@example.com`,
        name: `Zoë "${i}", Kraków`,
        age: String(i),
      }));
      files.push(['p.csv', csvRows(rows).replaceAll('Name, ', 'Zoë "'), new CsvParser()]);
      files.push(['p.ndjson', people.map((p) => JSON.stringify(p)).join('\r\n'), new JsonParser()]);
      files.push(['p.json', JSON.stringify(people, null, 2), new JsonParser()]);
      files.push([
        'p.xml',
        `<people>${people
          .map((p) => `<person><email>${p.email}</email><name>${p.name}</name></person>`)
          .join('\n')}</people>`,
        new XmlParser(),
      ]);
      for (const [name, text, parser] of files) {
        const path = join(dir, name);
        await writeFile(path, text);
        const emails: string[] = [];
        const importer = new BulkImport({ schema: SCHEMA, batchSize: 500 }).from(
          new FilePathSource(path, { highWaterMark: 1024 }),
          parser,
        );
        await importer.start((record) => {
          emails.push(String(record.email));
          return Promise.resolve();
        });
        expect(importer.getStatus().status, name).toBe('COMPLETED');
        expect(emails, name).toEqual(people.map((p) => p.email));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
