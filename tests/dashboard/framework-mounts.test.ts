import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BufferSource, InMemoryDistributedStateStore } from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { createDashboard, DistributedImport } from '../../src/index';

// The mounts of docs/dashboard.md, as written there (express and fastify are devDependencies
// of this repository only, for this test).

async function storeWithJob() {
  const store = new InMemoryDistributedStateStore();
  const di = new DistributedImport({ schema: { fields: [] }, stateStore: store });
  const { jobId } = await di.prepare(new BufferSource('id\n1\n'), new CsvParser());
  return { store, jobId };
}

async function expectDashboardAt(base: string, jobId: string): Promise<void> {
  const bare = await fetch(base, { redirect: 'manual' });
  expect(bare.status).toBe(308);
  expect(bare.headers.get('location')).toBe(`${new URL(base).pathname}/`);
  const page = await fetch(`${base}/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<script src="app.js" defer></script>');
  expect((await fetch(`${base}/app.js`)).headers.get('content-type')).toContain('javascript');
  const jobs = (await (await fetch(`${base}/api/jobs`)).json()) as { jobs: { jobId: string }[] };
  expect(jobs.jobs.map((job) => job.jobId)).toEqual([jobId]);
  expect((await fetch(`${base}/api/jobs/${jobId}`)).status).toBe(200);
}

describe('mounting the dashboard', () => {
  it('in Express with app.use(path, handler)', async () => {
    const { store, jobId } = await storeWithJob();
    const app = express();
    const requireOperator: express.RequestHandler = (_req, _res, next) => {
      next();
    };
    app.use('/admin/imports', requireOperator, createDashboard({ store }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    onTestFinished(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
        }),
    );
    const port = (server.address() as AddressInfo).port;
    await expectDashboardAt(`http://127.0.0.1:${String(port)}/admin/imports`, jobId);
  });

  it('in Fastify with basePath and the raw request and reply', async () => {
    const { store, jobId } = await storeWithJob();
    const fastify = Fastify();
    const dashboard = createDashboard({ store, basePath: '/admin/imports' });
    fastify.all('/admin/imports', (request, reply) => {
      reply.hijack();
      dashboard(request.raw, reply.raw);
    });
    fastify.all('/admin/imports/*', (request, reply) => {
      reply.hijack();
      dashboard(request.raw, reply.raw);
    });
    await fastify.listen({ port: 0, host: '127.0.0.1' });
    onTestFinished(() => fastify.close());
    const port = (fastify.server.address() as AddressInfo).port;
    await expectDashboardAt(`http://127.0.0.1:${String(port)}/admin/imports`, jobId);
  });
});
