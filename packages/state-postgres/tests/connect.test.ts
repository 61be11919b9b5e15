import { InvalidOptionError } from '@batchactions/core';
import { PostgresStateStore } from '@batchactions/state-postgres';
import { afterEach, describe, expect, it } from 'vitest';
import {
  startFakePostgresServer,
  type FakePostgresServer,
} from '../../../tests/support/fake-postgres-server';

let server: FakePostgresServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('PostgresStateStore connections that cannot open', () => {
  it('fails a server asking for a password the URL lacks, and closes the socket itself', async () => {
    server = await startFakePostgresServer('requires-password');
    const store = new PostgresStateStore({
      connectionString: `postgres://nobody@127.0.0.1:${server.port}/test`,
    });
    await expect(store.initialize()).rejects.toThrow(/password/);
    // The fake server never closes a connection: only the client's own close ends this wait
    // (the driver alone would keep the socket until the server's authentication_timeout).
    await server.clientClosed(1);
    await store.close();
  });

  it('gives up after connectTimeoutMs on a server that never answers, and closes the socket', async () => {
    server = await startFakePostgresServer('silent');
    const store = new PostgresStateStore({
      connectionString: `postgres://nobody@127.0.0.1:${server.port}/test`,
      connectTimeoutMs: 300,
    });
    await expect(store.initialize()).rejects.toThrow(/timeout/i);
    await server.clientClosed(1);
    await store.close();
  });

  it('checks connectTimeoutMs', () => {
    const url = 'postgres://user@localhost:5432/db';
    for (const bad of [-1, 1.5, '100', null]) {
      expect(
        () => new PostgresStateStore({ connectionString: url, connectTimeoutMs: bad as number }),
      ).toThrow(InvalidOptionError);
    }
    expect(
      () =>
        new PostgresStateStore({
          pool: {
            query: () => Promise.resolve({ rows: [] }),
            connect: () => Promise.reject(new Error('unused')),
          },
          connectTimeoutMs: 5,
        } as never),
    ).toThrow(/connectTimeoutMs/);
  });
});
