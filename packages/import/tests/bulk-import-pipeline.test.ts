import { describe, expect, it } from 'vitest';
import {
  BufferSource,
  BulkImport,
  CsvParser,
  JsonParser,
  type BulkImportConfig,
  type DomainEvent,
  type DuplicateChecker,
  type ParsedRecord,
  type ProcessingContext,
  type RecordFailedEvent,
  type SourceParser,
} from '@batchactions/import';

const PEOPLE: BulkImportConfig['schema'] = {
  fields: [
    { name: 'email', type: 'email', required: true, aliases: ['E-Mail'] },
    { name: 'age', type: 'number', required: false },
    { name: 'tags', type: 'array', required: false, separator: '|' },
    { name: 'role', type: 'string', required: false, defaultValue: 'user' },
  ],
};

async function run(
  config: BulkImportConfig,
  input: string,
  parser: SourceParser = new CsvParser(),
) {
  const importer = new BulkImport(config).from(new BufferSource(input), parser);
  const received: ParsedRecord[] = [];
  const events: DomainEvent[] = [];
  importer.onAny((event) => events.push(event));
  await importer.start((record) => {
    received.push(record);
    return Promise.resolve();
  });
  const failed = events.filter((e): e is RecordFailedEvent => e.type === 'record:failed');
  return { importer, received, events, failed };
}

describe('BulkImport: what the processor receives', () => {
  it('gets the transformed record with values as parsed (no coercion by default)', async () => {
    const { received } = await run({ schema: PEOPLE }, 'E-Mail,age,tags\nann@x.io,30,a|b\n');
    expect(received).toEqual([{ email: 'ann@x.io', age: '30', tags: ['a', 'b'], role: 'user' }]);
  });

  it('coerceValues: true converts values before the processor sees them', async () => {
    const { received } = await run(
      { schema: PEOPLE, coerceValues: true },
      'email,age\nann@x.io, 30 \n',
    );
    expect(received).toEqual([{ email: 'ann@x.io', age: 30, role: 'user' }]);
  });

  it('JSON numbers stay numbers and nested arrays become split arrays (defect 8)', async () => {
    const { received } = await run(
      { schema: PEOPLE },
      '[{"email":"a@x.io","age":7,"tags":["x","y"]}]',
      new JsonParser(),
    );
    expect(received).toEqual([{ email: 'a@x.io', age: 7, tags: ['x', 'y'], role: 'user' }]);
  });
});

describe('BulkImport: events and invalid records', () => {
  it('emits the engine events in order for a valid run of two batches', async () => {
    const { events } = await run(
      { schema: PEOPLE, batchSize: 2 },
      'email\na@x.io\nb@x.io\nc@x.io\n',
    );
    expect(events.map((e) => e.type)).toEqual([
      'job:started',
      'batch:started',
      'record:processed',
      'record:processed',
      'batch:completed',
      'job:progress',
      'batch:started',
      'record:processed',
      'batch:completed',
      'job:progress',
      'job:completed',
    ]);
  });

  it('rejects invalid records with every message joined by "; " and the raw record stored', async () => {
    const { failed, importer, received } = await run(
      { schema: PEOPLE, continueOnError: true },
      'E-Mail,age\nbad,abc\nok@x.io,1\n',
    );
    expect(received).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.error).toBe(
      "Field 'email' must be a valid email; Field 'age' must be a number",
    );
    expect(failed[0]?.record.status).toBe('invalid');
    expect(failed[0]?.record.parsed).toEqual({ 'E-Mail': 'bad', age: 'abc' });
    expect((await importer.getFailedRecords()).map((r) => r.index)).toEqual([0]);
  });

  it('without continueOnError the first invalid record fails the job', async () => {
    const { events, importer } = await run({ schema: PEOPLE }, 'email\nbad\nok@x.io\n');
    const jobFailed = events.find((e) => e.type === 'job:failed');
    expect(jobFailed).toMatchObject({ error: 'Validation failed for record 0' });
    expect(importer.getStatus().status).toBe('FAILED');
  });

  it('a throwing transform makes that record invalid instead of failing the job (defect 16)', async () => {
    const schema = {
      fields: [
        {
          name: 'n',
          type: 'string' as const,
          required: true,
          transform: (value: unknown) => {
            if (value === 'boom') throw new Error('cannot');
            return value;
          },
        },
      ],
    };
    const { failed, received, importer } = await run(
      { schema, continueOnError: true },
      'n\nboom\nfine\n',
    );
    expect(received).toEqual([{ n: 'fine' }]);
    expect(failed[0]?.error).toBe('The transform of field "n" threw for value "boom": cannot');
    expect(importer.getStatus().status).toBe('COMPLETED');
  });

  it('strict mode rejects surplus CSV columns (__parsed_extra) and unknown keys', async () => {
    const { failed } = await run(
      { schema: { ...PEOPLE, strict: true }, continueOnError: true },
      'email,x\na@x.io,1,2\n',
    );
    expect(failed[0]?.error).toBe(
      "Unknown field 'x' is not allowed in strict mode; Unknown field '__parsed_extra' is not allowed in strict mode",
    );
  });

  it('skipEmptyRows drops empty JSON rows before hooks, counting them as skipped', async () => {
    const seen: unknown[] = [];
    const { received, events } = await run(
      {
        schema: { ...PEOPLE, skipEmptyRows: true },
        hooks: {
          beforeValidate: (record) => {
            seen.push(record);
            return Promise.resolve(record);
          },
        },
      },
      '{"email":"a@x.io"}\n{"email":""}\n',
      new JsonParser(),
    );
    expect(received).toHaveLength(1);
    expect(seen).toHaveLength(1);
    const completed = events.find((e) => e.type === 'job:completed');
    expect(completed).toMatchObject({ summary: { total: 2, processed: 1, skipped: 1 } });
  });
});

describe('BulkImport: uniqueness', () => {
  const schema = { ...PEOPLE, uniqueFields: ['email'] };

  it('rejects later duplicates across batches and runs, case-insensitively', async () => {
    const { failed, received } = await run(
      { schema, batchSize: 1, continueOnError: true },
      'email\na@x.io\nb@x.io\nA@X.io\n',
    );
    expect(received).toHaveLength(2);
    expect(failed.map((e) => e.error)).toEqual([
      "Duplicate value 'A@X.io' for unique field 'email'",
    ]);
  });

  it('releases the value of a record whose processor failed (defect 6)', async () => {
    const importer = new BulkImport({ schema, continueOnError: true }).from(
      new BufferSource('email\na@x.io\nA@x.io\n'),
      new CsvParser(),
    );
    const outcomes: string[] = [];
    importer.on('record:failed', (e) => outcomes.push(`failed ${e.recordIndex}: ${e.error}`));
    importer.on('record:processed', (e) => outcomes.push(`processed ${e.recordIndex}`));
    await importer.start((record) =>
      record.email === 'a@x.io' ? Promise.reject(new Error('db down')) : Promise.resolve(),
    );
    expect(outcomes).toEqual(['failed 0: db down', 'processed 1']);
  });
});

describe('BulkImport: duplicate checker and hooks', () => {
  function checker(
    existing: Record<string, string | undefined>,
    calls: unknown[],
  ): DuplicateChecker {
    return {
      check(fields, context) {
        calls.push({ fields, context });
        const email = String(fields.email);
        if (email === 'throw@x.io') return Promise.reject(new Error('api down'));
        return Promise.resolve(
          email in existing
            ? { isDuplicate: true, existingId: existing[email], metadata: { source: 'crm' } }
            : { isDuplicate: false },
        );
      },
    };
  }

  it('adds EXTERNAL_DUPLICATE errors with the published messages and keeps the metadata (defect 5)', async () => {
    const calls: { fields: unknown; context: ProcessingContext }[] = [];
    const { failed, received } = await run(
      {
        schema: PEOPLE,
        continueOnError: true,
        duplicateChecker: checker({ 'dup@x.io': 'u-7', 'anon@x.io': undefined }, calls),
      },
      'E-Mail\ndup@x.io\nanon@x.io\nthrow@x.io\nnew@x.io\n',
    );
    expect(received.map((r) => r.email)).toEqual(['new@x.io']);
    expect(failed.map((e) => e.error)).toEqual([
      'Duplicate record found (existing ID: u-7)',
      'Duplicate record found',
      'Duplicate check failed: api down',
    ]);
    expect(failed[0]?.record.errors[0]).toEqual({
      field: '_external',
      message: 'Duplicate record found (existing ID: u-7)',
      code: 'EXTERNAL_DUPLICATE',
      value: undefined,
      metadata: { source: 'crm' },
    });
    expect(calls[0]?.fields).toEqual({ email: 'dup@x.io', role: 'user' });
    const context = calls[3]?.context;
    expect(context).toMatchObject({ batchIndex: 0, recordIndex: 3, totalRecords: 4 });
    expect(context?.signal).toBeInstanceOf(AbortSignal);
  });

  it('warnings-only records are checked and processed with transformed data (defect 2)', async () => {
    const calls: { fields: unknown }[] = [];
    const schema = {
      fields: [
        ...PEOPLE.fields,
        {
          name: 'nick',
          type: 'string' as const,
          required: false,
          customValidator: () => ({ valid: false, message: 'short', severity: 'warning' as const }),
        },
      ],
    };
    const { received, failed } = await run(
      { schema, duplicateChecker: checker({}, calls) },
      'E-Mail,tags,nick\na@x.io,x|y,n\n',
    );
    expect(failed).toEqual([]);
    expect(calls.map((c) => c.fields)).toEqual([
      { email: 'a@x.io', tags: ['x', 'y'], nick: 'n', role: 'user' },
    ]);
    expect(received).toEqual([{ email: 'a@x.io', tags: ['x', 'y'], nick: 'n', role: 'user' }]);
  });

  it('an afterValidate hook that clears errors lets the transformed record through (defect 3)', async () => {
    const { received } = await run(
      {
        schema: PEOPLE,
        hooks: { afterValidate: (record) => Promise.resolve({ ...record, errors: [] }) },
      },
      'E-Mail,age,tags\nnot-an-email,abc,a|b\n',
    );
    expect(received).toEqual([
      { email: 'not-an-email', age: 'abc', tags: ['a', 'b'], role: 'user' },
    ]);
  });

  it('runs beforeValidate on the raw keys, before alias resolution', async () => {
    const keys: string[][] = [];
    await run(
      {
        schema: PEOPLE,
        hooks: {
          beforeValidate: (record) => {
            keys.push(Object.keys(record));
            return Promise.resolve(record);
          },
        },
      },
      'E-Mail\na@x.io\n',
    );
    expect(keys).toEqual([['E-Mail']]);
  });
});
