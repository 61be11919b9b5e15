import { describe, expect, it } from 'vitest';
import {
  InMemoryDistributedStateStore,
  InMemoryStateStore,
  InvalidOptionError,
} from '@batchactions/core';
import { DistributedImport, DistributedStoreRequiredError } from '../../src/index';
import { usersSchema } from '../support/workers';

describe('DistributedImport options', () => {
  const stateStore = new InMemoryDistributedStateStore();

  it('applies the documented defaults', () => {
    const di = new DistributedImport({ schema: usersSchema, stateStore });
    expect(di.settings).toMatchObject({
      batchSize: 100,
      continueOnError: true,
      maxRetries: 0,
      retryDelayMs: 1000,
      staleBatchTimeoutMs: 900_000,
      // Additions that would change published results are off by default.
      coerceValues: false,
      jobWideUniqueFields: false,
      recordConcurrency: 1,
    });
  });

  it('refuses a store that is not distributed, naming what it lacks', () => {
    const make = () =>
      new DistributedImport({ schema: usersSchema, stateStore: new InMemoryStateStore() });
    expect(make).toThrow(DistributedStoreRequiredError);
    expect(make).toThrow(/requires a DistributedStateStore/);
    expect(make).toThrow(/claimBatch/);
  });

  it.each([
    ['batchSize', 0],
    ['batchSize', 2.5],
    ['maxRetries', -1],
    ['retryDelayMs', -5],
    ['staleBatchTimeoutMs', -1],
    ['recordConcurrency', 0],
    ['continueOnError', 'yes'],
  ])('throws InvalidOptionError naming %s = %s', (option, value) => {
    const make = () => new DistributedImport({ schema: usersSchema, stateStore, [option]: value });
    expect(make).toThrow(InvalidOptionError);
    expect(make).toThrow(new RegExp(`"${option}".*${String(value).replace('.', '\\.')}`));
  });

  it('requires a schema with fields', () => {
    expect(() => new DistributedImport({ schema: undefined as never, stateStore })).toThrow(
      /Invalid option "schema"/,
    );
  });

  it('returns itself from on, onAny and offAny so calls chain', () => {
    const di = new DistributedImport({ schema: usersSchema, stateStore });
    const handler = () => undefined;
    expect(di.on('batch:completed', handler).onAny(handler).offAny(handler)).toBe(di);
  });
});
