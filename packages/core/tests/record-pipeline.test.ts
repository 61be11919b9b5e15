import { describe, expect, it } from 'vitest';
import {
  EventBus,
  commitFailure,
  createPendingRecord,
  isPendingFailure,
  runRecordPipeline,
  validateRecord,
  type DomainEvent,
  type ProcessedRecord,
  type ProcessingContext,
  type RecordPipeline,
} from '@batchactions/core';

const context: ProcessingContext = {
  jobId: 'job',
  batchId: 'b0',
  batchIndex: 0,
  recordIndex: 0,
  totalRecords: 1,
  signal: new AbortController().signal,
};

function rig(overrides: Partial<RecordPipeline> = {}) {
  const saved: ProcessedRecord[] = [];
  const events: DomainEvent[] = [];
  const bus = new EventBus();
  bus.onAny((event) => events.push(event));
  const steps: RecordPipeline = {
    maxRetries: 0,
    retryDelayMs: 0,
    events: bus,
    save: (_batchId, record) => {
      saved.push(record);
    },
    validate: (working) => ({
      isValid: true,
      errors: [],
      parsed: { ...working, name: String(working.name).toUpperCase() },
    }),
    ...overrides,
  };
  return { steps, saved, events };
}

const pending = () => createPendingRecord(0, { name: 'ada' });
const failedEvents = (events: DomainEvent[]) =>
  events.filter((e) => e.type === 'record:failed').map((e) => (e as { error: string }).error);

describe('record pipeline variants', () => {
  it('rethrows a throwing validate by default, and fails only the record with fail-record', async () => {
    const boom = () => {
      throw new Error('bad transform');
    };
    const loud = rig({ validate: boom });
    await expect(
      runRecordPipeline(loud.steps, context, pending(), () => undefined),
    ).rejects.toThrow('bad transform');
    expect(loud.saved).toEqual([]);

    const quiet = rig({ validate: boom, onValidateError: 'fail-record' });
    const result = await runRecordPipeline(quiet.steps, context, pending(), () => undefined);
    expect(result).toMatchObject({ status: 'failed', stopMessage: 'bad transform' });
    expect(quiet.saved).toEqual([
      { ...pending(), status: 'failed', processingError: 'bad transform' },
    ]);
    expect(failedEvents(quiet.events)).toEqual(['bad transform']);
  });

  it('uses a parsed record afterValidate replaced unless afterValidateParsed is false', async () => {
    const hooks = { afterValidate: (r: ProcessedRecord) => ({ ...r, parsed: { name: 'edited' } }) };
    const inputs: unknown[] = [];
    const processor = (input: unknown) => {
      inputs.push(input);
    };
    await runRecordPipeline(rig({ hooks }).steps, context, pending(), processor);
    await runRecordPipeline(
      rig({ hooks, afterValidateParsed: false }).steps,
      context,
      pending(),
      processor,
    );
    expect(inputs).toEqual([{ name: 'edited' }, { name: 'ADA' }]);
  });

  it('saves a hook failure with the data reached, or as stored with hookFailureRecord', async () => {
    const hooks = {
      beforeProcess: () => {
        throw new Error('no');
      },
    };
    const reached = rig({ hooks });
    await runRecordPipeline(reached.steps, context, pending(), () => undefined);
    expect(reached.saved[0]).toMatchObject({
      parsed: { name: 'ADA' },
      processingError: 'beforeProcess hook failed: no',
    });
    const stored = rig({ hooks, hookFailureRecord: 'stored' });
    await runRecordPipeline(stored.steps, context, pending(), () => undefined);
    expect(stored.saved[0]).toEqual({
      ...pending(),
      status: 'failed',
      processingError: 'beforeProcess hook failed: no',
    });
  });

  it('reports an afterProcess failure prefixed, or with the bare message', async () => {
    const hooks = {
      afterProcess: () => {
        throw new Error('late');
      },
    };
    for (const [variant, expected] of [
      ['prefixed', 'afterProcess hook failed: late'],
      ['bare', 'late'],
    ] as const) {
      const r = rig({ hooks, afterProcessFailureEvent: variant });
      const result = await runRecordPipeline(r.steps, context, pending(), () => undefined);
      expect(result.status).toBe('failed');
      expect(r.saved.map((s) => s.status)).toEqual(['processed', 'failed']);
      expect(r.saved[1]?.processingError).toBe('afterProcess hook failed: late');
      expect(failedEvents(r.events)).toEqual([expected]);
    }
  });

  it('lets a stage run ahead: a failure is saved and reported only when committed', async () => {
    const r = rig({
      hooks: {
        beforeValidate: () => {
          throw new Error('early');
        },
      },
    });
    const counts: number[][] = [];
    const steps: RecordPipeline = { ...r.steps, count: (p, f) => counts.push([p, f]) };
    const outcome = await validateRecord(
      { ...steps, validate: steps.validate! },
      context,
      pending(),
    );
    if (!isPendingFailure(outcome)) throw new Error('expected a failure');
    expect([r.saved, r.events, counts]).toEqual([[], [], []]);
    const result = await commitFailure(steps, context, outcome);
    expect(result).not.toHaveProperty('eventError');
    expect(counts).toEqual([[0, 1]]);
    expect(r.saved.map((s) => s.processingError)).toEqual(['beforeValidate hook failed: early']);
    expect(failedEvents(r.events)).toEqual(['beforeValidate hook failed: early']);
  });
});
