import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
// The published distributed quick start's imports, as printed.
import { DistributedImport } from '@batchactions/distributed';
import { CsvParser } from '@batchactions/import';
import { UrlSource } from '@batchactions/core';
import { PrismaStateStore } from '@batchactions/state-prisma';
import {
  createTestDatabase,
  DATABASES,
  type PrismaTestDatabase,
  type TestPrismaClient,
} from './support/databases';

const ROWS = 6_000;
/** Rows whose email is not an email: invalid, never handed to the processor. */
const isBroken = (i: number) => i % 97 === 5;

function usersCsv(): string {
  const lines = ['email,name'];
  for (let i = 0; i < ROWS; i += 1) {
    lines.push(`${isBroken(i) ? `not-an-email-${i}` : `user${i}@example.com`},User ${i}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The file the quick start downloads, served from this machine. */
function serve(body: string): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    if (request.url !== '/users.csv') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/csv' });
    // Several chunks, as a real download arrives.
    const size = 16 * 1024;
    for (let at = 0; at < body.length; at += size) response.write(body.slice(at, at + size));
    response.end();
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${String(port)}/users.csv` });
    });
  });
}

describe.each(DATABASES)(
  'the published distributed quick start with Option B (Prisma 7), unchanged, on %s',
  (kind) => {
    let database: PrismaTestDatabase;
    let prisma: TestPrismaClient;
    let server: Server;
    afterEach(async () => {
      server.close();
      await prisma.$disconnect();
      await database.drop();
    });

    it('processes every valid record exactly once with 4 concurrent worker loops and one finaliser', async () => {
      database = await createTestDatabase(kind, 'prisma quick start');
      // Option B's client: the generated PrismaClient with its driver adapter.
      prisma = await database.connect();
      const served = await serve(usersCsv());
      server = served.server;

      const processedEmails = new Map<string, number>();
      const processRecord = (record: Record<string, unknown>) => {
        const email = String(record.email);
        processedEmails.set(email, (processedEmails.get(email) ?? 0) + 1);
        return Promise.resolve();
      };

      // ---- the quick start, as printed (the URL points at the local server) ----
      const di = new DistributedImport({
        schema: {
          fields: [
            { name: 'email', type: 'email', required: true },
            { name: 'name', type: 'string', required: true },
          ],
        },
        batchSize: 500,
        stateStore: new PrismaStateStore(prisma),
        continueOnError: true,
      });

      const source = new UrlSource(served.url);
      const { jobId } = await di.prepare(source, new CsvParser());

      const completions: unknown[] = [];
      di.on('job:completed', (event) => completions.push(event.summary));
      const loop = async (workerId: string) => {
        let finalised = 0;
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the loop as printed
        while (true) {
          const result = await di.processWorkerBatch(jobId, processRecord, workerId);
          if (result.jobComplete) finalised += 1;
          if (!result.claimed || result.jobComplete) break;
        }
        return finalised;
      };
      // ---- end of the quick start: 4 such loops at once ----
      const finalised = await Promise.all(['w1', 'w2', 'w3', 'w4'].map(loop));

      const broken = Array.from({ length: ROWS }, (_, i) => i).filter(isBroken).length;
      expect(finalised.reduce((a, b) => a + b, 0)).toBe(1);
      expect(processedEmails.size).toBe(ROWS - broken);
      expect([...processedEmails.values()].every((n) => n === 1)).toBe(true);
      expect([...processedEmails.keys()].some((e) => e.startsWith('not-an-email'))).toBe(false);
      expect(completions).toEqual([
        expect.objectContaining({
          total: ROWS,
          processed: ROWS - broken,
          failed: broken,
          skipped: 0,
        }),
      ]);
    }, 120_000);
  },
);
