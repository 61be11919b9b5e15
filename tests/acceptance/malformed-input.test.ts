import { describe, expect, it } from 'vitest';
import { BufferSource, JobStatus } from '@batchactions/core';
import {
  CsvColumnCountError,
  CsvParser,
  JsonParser,
  ParseError,
  XmlParser,
  type SourceParser,
} from '@batchactions/import';
import { DistributedImport } from '../../src/index';
import { sequelizeFactories } from '../support/sequelize-stores';
import { storeFactories, useTestStore } from '../support/stores';
import { usersSchema, workerLoop } from '../support/workers';

const ours = [
  ...storeFactories.filter((f) => !f.name.startsWith('published port only')),
  ...sequelizeFactories,
];

/** 12 user rows; rows 4 and 9 (0-based data rows, lines 6 and 11) have a field too many or too few. */
function csvWithMalformedRows(): string {
  const lines = ['id,email,name'];
  for (let i = 0; i < 12; i += 1) {
    if (i === 4) lines.push(`${i},user${i}@example.com,User ${i},surplus`);
    else if (i === 9) lines.push(`${i},user${i}@example.com`);
    else lines.push(`${i},user${i}@example.com,User ${i}`);
  }
  return lines.join('\n') + '\n';
}

describe.each(ours)('malformed and unparseable input on $name', (factory) => {
  const t = useTestStore(factory);
  const importer = () =>
    new DistributedImport({ schema: usersSchema, batchSize: 5, stateStore: t.store });

  async function run(parser: SourceParser) {
    const di = importer();
    const { jobId, totalRecords } = await di.prepare(
      new BufferSource(csvWithMalformedRows()),
      parser,
    );
    const processed: number[] = [];
    await workerLoop(di, jobId, (r) => void processed.push(Number(r.id)), 'w');
    const failed = await di.getFailedRecords(jobId);
    return { totalRecords, processed, failed, status: await di.getStatus(jobId) };
  }

  it("malformedRows 'keep' (default): the long row is processed (surplus ignored), the short one fails its required field", async () => {
    const { totalRecords, processed, failed } = await run(new CsvParser());
    expect(totalRecords).toBe(12);
    expect(processed).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11]);
    expect(failed.map((f) => [f.row, f.errors])).toEqual([[10, "name: Field 'name' is required"]]);
  });

  it("malformedRows 'invalid': both rows fail with a message naming their line; every other row is processed once", async () => {
    const { totalRecords, processed, failed, status } = await run(
      new CsvParser({ malformedRows: 'invalid' }),
    );
    expect(totalRecords).toBe(12);
    expect(processed).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 10, 11]);
    expect(failed.map((f) => [f.row, f.errors])).toEqual([
      [
        5,
        '__row_error: Malformed row at line 6: the row has 4 field(s) but the header has 3 column(s)',
      ],
      [
        10,
        "__row_error: Malformed row at line 11: the row has 2 field(s) but the header has 3 column(s); name: Field 'name' is required",
      ],
    ]);
    expect(status.progress).toMatchObject({ processedRecords: 10, failedRecords: 2 });
    expect(status.status).toBe(JobStatus.COMPLETED);
  });

  it("malformedRows 'fail': prepare fails at the row with its line and the job id; purge removes the job", async () => {
    const di = importer();
    const error: unknown = await di
      .prepare(new BufferSource(csvWithMalformedRows()), new CsvParser({ malformedRows: 'fail' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsvColumnCountError);
    expect(error).toMatchObject({ line: 6, record: 5 });
    const jobId = (error as { jobId: string }).jobId;
    expect((await di.getStatus(jobId)).status).toBe(JobStatus.FAILED);
    expect(await di.purge(jobId)).toBe(true);
    expect(await t.store.listJobs?.()).toEqual([]);
  });

  const unparseable: [string, string, () => SourceParser, Record<string, unknown>][] = [
    [
      'CSV with an unterminated quote at the end',
      'id,email,name\n1,a@example.com,Ann\n2,"b@example.com,Bob\n',
      () => new CsvParser(),
      { format: 'csv', line: 3 },
    ],
    [
      'a truncated JSON array',
      '[{"id":1,"email":"a@example.com","name":"Ann"},{"id":2,"email":"b@ex',
      () => new JsonParser({ format: 'array' }),
      { format: 'json' },
    ],
    [
      'NDJSON with a truncated last line',
      '{"id":1,"email":"a@example.com","name":"Ann"}\n{"id":2,"email":"b@ex',
      () => new JsonParser({ format: 'ndjson' }),
      { format: 'ndjson', line: 2 },
    ],
    [
      'broken XML',
      '<users><user><id>1</id><email>a@example.com</email></user><user><id>2</i></user></users>',
      () => new XmlParser(),
      { format: 'xml' },
    ],
  ];

  it.each(unparseable)(
    '%s fails the prepare with its position and the job id, leaving a FAILED job',
    async (_name, text, parser, location) => {
      const di = importer();
      const error: unknown = await di
        .prepare(new BufferSource(text), parser())
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ParseError);
      expect(error).toMatchObject(location);
      const parseError = error as ParseError;
      expect(parseError.line ?? parseError.position).toBeGreaterThan(0);
      const jobId = (error as { jobId: string }).jobId;
      expect(jobId).toMatch(/^[0-9a-f-]{36}$/);
      expect((await di.getStatus(jobId)).status).toBe(JobStatus.FAILED);
      expect(await di.purge(jobId)).toBe(true);
    },
  );
});
