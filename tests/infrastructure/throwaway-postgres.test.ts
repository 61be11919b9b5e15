import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import {
  startThrowawayPostgres,
  ThrowawayPostgresError,
  type ThrowawayOptions,
} from '../support/throwaway-postgres';

// The server `npm test` starts when DATABASE_URL is not set (tests/global-setup.ts). CI sets
// DATABASE_URL, so this file (in `npm run test:slow`) is what keeps that path working there.

const made: string[] = [];
afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function scratch(mode: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ba-throwaway-test-'));
  await chmod(dir, mode);
  made.push(dir);
  return dir;
}

async function startAnswerAndStop(options: ThrowawayOptions): Promise<void> {
  const server = await startThrowawayPostgres(options);
  try {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
    await client.end();
    expect(rows).toEqual([{ one: 1 }]);
  } finally {
    await server.stop();
  }
  expect(existsSync(server.directory)).toBe(false);
}

describe('the throwaway PostgreSQL of npm test', () => {
  it('starts, answers, and leaves nothing behind when stopped', async () => {
    const tmp = await scratch(0o755);
    await startAnswerAndStop({ tmp });
    expect(await readdir(tmp)).toEqual([]);
  }, 120_000);

  it('runs from binaries copied next to its data (what a private checkout needs)', async () => {
    const tmp = await scratch(0o755);
    await startAnswerAndStop({ tmp, copyBinaries: true });
  }, 120_000);

  it('when its user cannot reach the copy either, says so in one line with what to do', async () => {
    const tmp = await scratch(0o700);
    if (process.getuid?.() === 0) {
      // As root the server runs as "postgres", who cannot enter a directory of mode 700.
      const failure = await startThrowawayPostgres({ tmp, copyBinaries: true }).then(
        (server) => server.stop().then(() => undefined),
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(ThrowawayPostgresError);
      const message = (failure as Error).message;
      expect(message.split('\n')).toHaveLength(1);
      expect(message).toContain('can reach neither');
      expect(message).toContain('DATABASE_URL');
      expect(await readdir(tmp)).toEqual([]);
    } else {
      // Not root: the server runs as this user, who owns the directory.
      await startAnswerAndStop({ tmp, copyBinaries: true });
    }
  }, 120_000);
});
