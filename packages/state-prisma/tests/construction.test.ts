import { afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '@batchactions/core';
import {
  LATEST_SCHEMA_VERSION,
  PrismaStateStore,
  UnsupportedProviderError,
  type PrismaBatchactionsClient,
} from '@batchactions/state-prisma';
import {
  createTestDatabase,
  type PrismaTestDatabase,
  type TestPrismaClient,
} from './support/databases';

/** A stand-in client: the three methods, never called (the constructor performs no I/O). */
function fakeClient(provider?: string): PrismaBatchactionsClient {
  const fail = () => Promise.reject(new Error('no I/O expected'));
  return Object.assign(
    {
      $queryRawUnsafe: fail,
      $executeRawUnsafe: fail,
      $transaction: fail,
    },
    provider === undefined ? {} : { _activeProvider: provider },
  );
}

describe('new PrismaStateStore(prisma, options?)', () => {
  it('keeps the client and performs no I/O', () => {
    const store = new PrismaStateStore(fakeClient('postgresql'));
    expect(store.tables.jobs).toBe('batchactions_jobs');
  });

  it('refuses what is not a Prisma client with InvalidOptionError', () => {
    for (const bad of [undefined, null, {}, { $queryRawUnsafe: () => null }]) {
      expect(() => new PrismaStateStore(bad as never)).toThrow(InvalidOptionError);
    }
  });

  it('refuses the providers it has no SQL for, and a client whose provider it cannot tell', () => {
    for (const provider of ['sqlserver', 'cockroachdb', 'mongodb']) {
      expect(() => new PrismaStateStore(fakeClient(provider))).toThrow(UnsupportedProviderError);
    }
    expect(() => new PrismaStateStore(fakeClient())).toThrow(/pass options.provider/);
    expect(new PrismaStateStore(fakeClient(), { provider: 'sqlite' }).tables.batches).toBe(
      'batchactions_batches',
    );
  });

  it('checks its options, naming the bad one', () => {
    const client = fakeClient('mysql');
    expect(() => new PrismaStateStore(client, { tablePrefix: 'bad-prefix' })).toThrow(
      /tablePrefix/,
    );
    expect(() => new PrismaStateStore(client, { provider: 'oracle' as never })).toThrow(/provider/);
    expect(() => new PrismaStateStore(client, { transactionTimeoutMs: 0 })).toThrow(
      /transactionTimeoutMs/,
    );
    expect(() => new PrismaStateStore(client, { transactionMaxWaitMs: 1.5 })).toThrow(
      /transactionMaxWaitMs/,
    );
    // 0.0.3 ignored tablePrefix; it names the tables now.
    expect(new PrismaStateStore(client, { tablePrefix: 'ba_' }).tables.jobs).toBe('ba_jobs');
  });
});

describe.each(['postgres', 'mariadb', 'sqlite'] as const)('migrations on %s', (kind) => {
  let database: PrismaTestDatabase;
  const clients: TestPrismaClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.$disconnect();
    await database.drop();
  });

  it('creates the tables once when four clients start at once, then finds them current', async () => {
    database = await createTestDatabase(kind, 'prisma migrate race');
    for (let i = 0; i < 4; i += 1) clients.push(await database.connect());
    const outcomes = await Promise.all(clients.map((c) => new PrismaStateStore(c).migrate()));
    const applied = outcomes.filter((o) => o.applied.length > 0);
    expect(applied).toHaveLength(1);
    expect(applied[0]?.toVersion).toBe(LATEST_SCHEMA_VERSION);
    for (const outcome of outcomes) expect(outcome.toVersion).toBe(LATEST_SCHEMA_VERSION);
    const again = await new PrismaStateStore(clients[0] as TestPrismaClient).migrate();
    expect(again).toEqual({
      fromVersion: LATEST_SCHEMA_VERSION,
      toVersion: LATEST_SCHEMA_VERSION,
      applied: [],
    });
  });
});
