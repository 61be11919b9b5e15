import {
  BatchEngine,
  invalidResult,
  validResult,
  type JobHooks,
  type ValidationError,
} from '@batchactions/core';
import { describe, expect, it } from 'vitest';
import { collectEvents, RecordingStore, trace } from './helpers';

const required: ValidationError = {
  field: 'email',
  message: 'email is required',
  code: 'REQUIRED',
};
const warning: ValidationError = {
  field: 'name',
  message: 'name is short',
  code: 'CUSTOM_VALIDATION',
  severity: 'warning',
};

describe('BatchEngine per-record pipeline (core 6.5)', () => {
  it('runs hooks in order and hands on validate().parsed and beforeProcess output', async () => {
    const calls: string[] = [];
    const store = new RecordingStore();
    const hooks: JobHooks = {
      beforeValidate: (raw) => {
        calls.push(`beforeValidate:${JSON.stringify(raw)}`);
        return Promise.resolve({ ...raw, v: 1 });
      },
      afterValidate: (record) => {
        calls.push(`afterValidate:${record.status}:${JSON.stringify(record.parsed)}`);
        return Promise.resolve(record);
      },
      beforeProcess: (parsed) => {
        calls.push(`beforeProcess:${JSON.stringify(parsed)}`);
        return Promise.resolve({ ...parsed, p: 1 });
      },
      afterProcess: (record) => {
        calls.push(`afterProcess:${record.status}:${JSON.stringify(record.parsed)}`);
        return Promise.resolve();
      },
    };
    const engine = new BatchEngine({
      stateStore: store,
      hooks,
      validate: (record) => {
        calls.push(`validate:${JSON.stringify(record)}`);
        return validResult({ ...record, t: 1 });
      },
    }).fromRecords([{ a: 1 }]);
    await engine.start((record) => {
      calls.push(`process:${JSON.stringify(record)}`);
    });
    expect(calls).toEqual([
      'beforeValidate:{"a":1}',
      'validate:{"a":1,"v":1}',
      'afterValidate:valid:{"a":1,"v":1,"t":1}',
      'beforeProcess:{"a":1,"v":1,"t":1}',
      'process:{"a":1,"v":1,"t":1,"p":1}',
      'afterProcess:processed:{"a":1,"v":1,"t":1,"p":1}',
    ]);
  });

  it('never calls the validation hooks without validate', async () => {
    const called: string[] = [];
    await new BatchEngine({
      hooks: {
        beforeValidate: (r) => {
          called.push('bv');
          return Promise.resolve(r);
        },
        afterValidate: (r) => {
          called.push('av');
          return Promise.resolve(r);
        },
      },
    })
      .fromRecords([{ a: 1 }])
      .start(() => undefined);
    expect(called).toEqual([]);
  });

  it('rejects invalid records: saved invalid with raw parsed, all messages joined', async () => {
    const store = new RecordingStore();
    const engine = new BatchEngine({
      stateStore: store,
      continueOnError: true,
      validate: (r) =>
        r.ok ? { isValid: false, errors: [warning] } : invalidResult([required, warning]),
    }).fromRecords([{ ok: false }, { ok: true }]);
    const events = collectEvents(engine);
    const got: unknown[] = [];
    await engine.start((r) => {
      got.push(r);
    });
    const failed = events.find((e) => e.type === 'record:failed');
    expect(failed).toMatchObject({
      recordIndex: 0,
      error: 'email is required; name is short',
      record: { status: 'invalid', parsed: { ok: false }, errors: [required, warning] },
    });
    // isValid is ignored: warnings only pass, and the record keeps its warnings.
    expect(got).toEqual([{ ok: true }]);
    const [processed] = await store.getProcessedRecords(engine.getJobId());
    expect(processed?.errors).toEqual([warning]);
  });

  it('fails the job with "Validation failed for record N" when continueOnError is false', async () => {
    const engine = new BatchEngine({ validate: () => invalidResult([required]) }).fromRecords([
      { a: 1 },
    ]);
    const events = collectEvents(engine);
    await engine.start(() => undefined);
    expect(events.at(-1)).toMatchObject({
      type: 'job:failed',
      error: 'Validation failed for record 0',
    });
  });

  it('retries the processor with record:retried and exponential backoff, then fails', async () => {
    const store = new RecordingStore();
    const engine = new BatchEngine({
      stateStore: store,
      maxRetries: 2,
      retryDelayMs: 1,
      continueOnError: true,
    }).fromRecords([{ a: 1 }]);
    const events = collectEvents(engine);
    let attempts = 0;
    await engine.start(() => {
      attempts += 1;
      throw new Error(`attempt ${attempts}`);
    });
    expect(attempts).toBe(3);
    const retried = events.filter((e) => e.type === 'record:retried');
    expect(retried).toMatchObject([
      { attempt: 1, maxRetries: 2, error: 'attempt 1', delayMs: 1 },
      { attempt: 2, maxRetries: 2, error: 'attempt 2', delayMs: 2 },
    ]);
    expect(events.find((e) => e.type === 'record:failed')).toMatchObject({
      error: 'attempt 3',
      record: { status: 'failed', processingError: 'attempt 3', retryCount: 2 },
    });
  });

  it('marks a record processed after a successful retry with its retryCount', async () => {
    const store = new RecordingStore();
    let attempts = 0;
    const engine = new BatchEngine({ stateStore: store, maxRetries: 3, retryDelayMs: 0 });
    await engine.fromRecords([{ a: 1 }]).start(() => {
      attempts += 1;
      if (attempts < 3) throw new Error('flaky');
    });
    const [record] = await store.getProcessedRecords(engine.getJobId());
    expect(record).toMatchObject({ status: 'processed', retryCount: 2 });
  });

  it.each(['beforeValidate', 'afterValidate', 'beforeProcess'] as const)(
    'a throwing %s hook fails the record with a prefixed message and is not retried',
    async (hook) => {
      let processed = 0;
      const hooks: JobHooks = {
        [hook]: () => Promise.reject(new Error('hook broke')),
      };
      const engine = new BatchEngine({
        hooks,
        maxRetries: 3,
        retryDelayMs: 0,
        validate: () => validResult(),
      }).fromRecords([{ a: 1 }]);
      const events = collectEvents(engine);
      await engine.start(() => {
        processed += 1;
      });
      expect(processed).toBe(0);
      expect(events.find((e) => e.type === 'record:failed')).toMatchObject({
        error: `${hook} hook failed: hook broke`,
        record: { status: 'failed', processingError: `${hook} hook failed: hook broke` },
      });
      // continueOnError false: job:failed carries the unprefixed message.
      expect(events.at(-1)).toMatchObject({ type: 'job:failed', error: 'hook broke' });
      expect(events.some((e) => e.type === 'record:retried')).toBe(false);
    },
  );

  it('an afterProcess failure turns a processed record into a failed one (both events)', async () => {
    const store = new RecordingStore();
    const engine = new BatchEngine({
      stateStore: store,
      continueOnError: true,
      hooks: { afterProcess: () => Promise.reject(new Error('late')) },
    }).fromRecords([{ a: 1 }]);
    const events = collectEvents(engine);
    await engine.start(() => undefined);
    expect(trace(events).filter((t) => t.startsWith('record:'))).toEqual([
      'record:processed#0',
      'record:failed#0',
    ]);
    expect(store.calls.filter((c) => c.startsWith('saveProcessedRecord'))).toEqual([
      'saveProcessedRecord:0:processed',
      'saveProcessedRecord:0:failed',
    ]);
    expect(events.at(-1)).toMatchObject({ summary: { processed: 0, failed: 1 } });
  });

  it('keeps validated data and warnings on a record whose beforeProcess hook failed (defect 16)', async () => {
    const store = new RecordingStore();
    const engine = new BatchEngine({
      stateStore: store,
      continueOnError: true,
      validate: (r) => ({ isValid: true, errors: [warning], parsed: { ...r, t: 1 } }),
      hooks: { beforeProcess: () => Promise.reject(new Error('nope')) },
    }).fromRecords([{ a: 1 }]);
    await engine.start(() => undefined);
    const [failed] = await engine.getFailedRecords();
    expect(failed).toMatchObject({ parsed: { a: 1, t: 1 }, errors: [warning], status: 'failed' });
  });

  it('uses a parsed record replaced by afterValidate (defect 15)', async () => {
    const got: unknown[] = [];
    await new BatchEngine({
      validate: () => validResult(),
      hooks: { afterValidate: (r) => Promise.resolve({ ...r, parsed: { replaced: true } }) },
    })
      .fromRecords([{ a: 1 }])
      .start((r) => {
        got.push(r);
      });
    expect(got).toEqual([{ replaced: true }]);
  });

  it('lets afterValidate add errors that make the record invalid', async () => {
    const engine = new BatchEngine({
      continueOnError: true,
      validate: () => validResult(),
      hooks: { afterValidate: (r) => Promise.resolve({ ...r, errors: [required] }) },
    }).fromRecords([{ a: 1 }]);
    await engine.start(() => undefined);
    expect((await engine.getFailedRecords())[0]).toMatchObject({
      status: 'invalid',
      errors: [required],
    });
  });
});
