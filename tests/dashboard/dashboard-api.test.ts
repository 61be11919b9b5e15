import { describe, expect, it, onTestFinished } from 'vitest';
import { BufferSource, JobStatus } from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createDashboard,
  DistributedImport,
  runWorker,
  startDashboardServer,
} from '../../src/index';
import type { DashboardServerOptions } from '../../src/index';
import { storeFactories, useTestStore } from '../support/stores';
import { usersCsv, usersSchema } from '../support/workers';

const TOKEN = 'test-token-0123456789abcdef';

describe.each(storeFactories)('dashboard API on $name', (factory) => {
  const t = useTestStore(factory);

  async function serve(options: Partial<DashboardServerOptions> = {}) {
    const server = await startDashboardServer({ store: t.store, port: 0, ...options });
    onTestFinished(() => server.close());
    const get = async (path: string) => {
      const res = await fetch(new URL(path, server.url));
      return { res, body: (await res.json()) as Record<string, unknown> };
    };
    return { server, get };
  }

  /** A 12-row job (batches of 4) whose rows 2 and 7 are invalid, processed to the end. */
  async function finishedJob(): Promise<string> {
    const di = new DistributedImport({ schema: usersSchema, batchSize: 4, stateStore: t.store });
    const csv = usersCsv(12, (i) => i === 2 || i === 7).replace(
      'User 7',
      '<script>alert(1)</script>',
    );
    const { jobId } = await di.prepare(
      new BufferSource(csv, { fileName: 'Imports-12.csv' }),
      new CsvParser(),
    );
    await runWorker(di, jobId, () => undefined);
    return jobId;
  }

  it('serves the page with a strict CSP and no inline script', async () => {
    const { server } = await serve();
    const res = await fetch(server.url);
    const html = await res.text();
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(html).toContain('<script src="app.js" defer></script>');
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toMatch(/ on[a-z]+=|style=/);
    const script = await fetch(new URL('app.js', server.url));
    expect(script.headers.get('content-type')).toContain('text/javascript');
    expect(await script.text()).not.toContain('innerHTML');
  });

  it('reports which listing methods the store has', async () => {
    const { get } = await serve();
    const { body } = await get('api/info');
    const hasListing = typeof t.store.listJobs === 'function';
    expect(body).toMatchObject({
      controlEnabled: false,
      refreshMs: 2000,
      listing: { listJobs: hasListing, listBatches: typeof t.store.listBatches === 'function' },
    });
  });

  it('lists jobs, shows a job with its grid, pages and filters its failed records', async () => {
    const jobId = await finishedJob();
    const { get } = await serve();
    const jobs = await get('api/jobs');
    if (typeof t.store.listJobs !== 'function') {
      expect(jobs.res.status).toBe(501);
      expect((jobs.body.error as { message: string }).message).toContain('listJobs');
    } else {
      expect(jobs.res.status).toBe(200);
      expect(jobs.body.jobs).toEqual([
        expect.objectContaining({
          jobId,
          status: JobStatus.COMPLETED,
          phase: 'finished',
          processedRecords: 10,
          failedRecords: 2,
          totalBatches: 3,
        }),
      ]);
      const filtered = await get('api/jobs?status=PROCESSING');
      expect(filtered.body.jobs).toEqual([]);
      const searched = await get(`api/jobs?q=${jobId.slice(2, 8).toUpperCase()}`);
      expect(searched.body.jobs).toHaveLength(1);
      // By the file's name too, in any case; the row carries it.
      const byName = await get('api/jobs?q=imports-1');
      expect(byName.body.jobs).toEqual([
        expect.objectContaining({ jobId, sourceName: 'Imports-12.csv' }),
      ]);
      expect((await get('api/jobs?q=imports-13')).body.jobs).toEqual([]);
      expect((await get(`api/jobs?q=${'x'.repeat(1001)}`)).res.status).toBe(400);
    }
    const view = await get(`api/jobs/${encodeURIComponent(jobId)}`);
    expect(view.res.status).toBe(200);
    expect(view.body.report).toMatchObject({ jobId, phase: 'finished' });
    if (typeof t.store.listBatches === 'function') {
      // Batches 0 and 1 hold one invalid record each, batch 2 none.
      expect(view.body.grid).toBe('WWC');
      const batch = await get(`api/jobs/${jobId}/batches?after=0&limit=1`);
      expect(batch.body.batches).toEqual([
        expect.objectContaining({ batchIndex: 1, status: 'COMPLETED', failedCount: 1 }),
      ]);
      // The hover's times: when the batch finished and how long its attempt ran.
      const [hovered] = batch.body.batches as { completedAt?: number; durationMs?: number }[];
      expect(hovered?.completedAt).toEqual(expect.any(Number));
      expect(hovered?.durationMs).toBeGreaterThanOrEqual(0);
    } else {
      expect(view.body.grid).toBeUndefined();
    }
    const first = await get(`api/jobs/${jobId}/failed?limit=1`);
    expect(first.body).toMatchObject({
      records: [{ row: 3, status: 'invalid' }],
      nextAfterIndex: 2,
    });
    const second = await get(`api/jobs/${jobId}/failed?after=2&limit=1`);
    expect(second.body.records).toEqual([
      expect.objectContaining({
        row: 8,
        raw: expect.objectContaining({ name: '<script>alert(1)</script>' }),
      }),
    ]);
    expect(second.body.nextAfterIndex).toBeUndefined();
    const byField = await get(`api/jobs/${jobId}/failed?field=email&code=TYPE_MISMATCH`);
    const byOther = await get(`api/jobs/${jobId}/failed?field=name`);
    expect((byOther.body.records as unknown[]).length).toBe(0);
    expect((byField.body.records as unknown[]).length).toBeLessThanOrEqual(2);
    const unknown = await get('api/jobs/no-such-job');
    expect(unknown.res.status).toBe(404);
  });

  it('downloads the failed records as CSV and NDJSON', async () => {
    const jobId = await finishedJob();
    const { server } = await serve();
    const csv = await fetch(new URL(`api/jobs/${jobId}/failed.csv`, server.url));
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="failed-/);
    const text = await csv.text();
    expect(text.split('\n')[0]).toBe('row,status,id,email,name,errors');
    expect(text).toContain('<script>alert(1)</script>');
    const ndjson = await (
      await fetch(new URL(`api/jobs/${jobId}/failed.ndjson`, server.url))
    ).text();
    expect(
      ndjson
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { row: number }).row),
    ).toEqual([3, 8]);
  });
});

describe('dashboard control', () => {
  const t = useTestStore(storeFactories.find((f) => f.name === 'InMemoryDistributedStateStore')!);

  async function pendingJob(): Promise<string> {
    const di = new DistributedImport({ schema: usersSchema, batchSize: 4, stateStore: t.store });
    return (await di.prepare(new BufferSource(usersCsv(8)), new CsvParser())).jobId;
  }

  /** A dashboard with control on (token {@link TOKEN}), closed when the test finishes. */
  async function controlServer() {
    const server = await startDashboardServer({
      store: t.store,
      port: 0,
      allowControl: true,
      controlToken: TOKEN,
    });
    onTestFinished(() => server.close());
    return server;
  }

  async function post(url: string, headers: Record<string, string>) {
    const res = await fetch(url, { method: 'POST', headers });
    return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
  }

  it('is off by default: every control request is refused with 403', async () => {
    const jobId = await pendingJob();
    const server = await startDashboardServer({ store: t.store, port: 0 });
    onTestFinished(() => server.close());
    const answer = await post(`${server.url}api/jobs/${jobId}/pause`, {
      'X-BatchActions-Dashboard': '1',
      Authorization: `Bearer ${TOKEN}`,
    });
    expect(answer).toMatchObject({ status: 403, body: { error: { code: 'CONTROL_DISABLED' } } });
    expect(await t.store.getJobStatus?.(jobId)).toBe(JobStatus.PROCESSING);
  });

  it('needs the token, the header and the same origin', async () => {
    const jobId = await pendingJob();
    const server = await controlServer();
    const url = `${server.url}api/jobs/${jobId}/pause`;
    const good = { 'X-BatchActions-Dashboard': '1', Authorization: `Bearer ${TOKEN}` };
    expect((await post(url, { 'X-BatchActions-Dashboard': '1' })).status).toBe(403);
    expect(
      (await post(url, { ...good, Authorization: 'Bearer wrong-token-0123456789' })).status,
    ).toBe(403);
    expect((await post(url, { Authorization: `Bearer ${TOKEN}` })).status).toBe(403);
    expect((await post(url, { ...good, Origin: 'http://evil.example' })).status).toBe(403);
    expect((await post(url, { ...good, 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect(await t.store.getJobStatus?.(jobId)).toBe(JobStatus.PROCESSING);

    expect((await post(url, { ...good, Origin: server.url.slice(0, -1) })).status).toBe(200);
    expect(await t.store.getJobStatus?.(jobId)).toBe(JobStatus.PAUSED);
    expect((await post(url, good)).status).toBe(409);
    expect((await post(`${server.url}api/jobs/${jobId}/resume`, good)).status).toBe(200);
    expect(await t.store.getJobStatus?.(jobId)).toBe(JobStatus.PROCESSING);
    expect((await post(`${server.url}api/jobs/${jobId}/cancel`, good)).status).toBe(200);
    expect(await t.store.getJobStatus?.(jobId)).toBe(JobStatus.ABORTED);
    expect((await post(`${server.url}api/jobs/${jobId}/purge`, good)).status).toBe(200);
    expect(await t.store.getJobStatus?.(jobId)).toBeNull();
  });

  it('redrives the failed records into a new job', async () => {
    const di = new DistributedImport({ schema: usersSchema, batchSize: 4, stateStore: t.store });
    const { jobId } = await di.prepare(
      new BufferSource(usersCsv(8, (i) => i === 5)),
      new CsvParser(),
    );
    await runWorker(di, jobId, () => undefined);
    const server = await controlServer();
    const res = await fetch(`${server.url}api/jobs/${jobId}/redrive`, {
      method: 'POST',
      headers: { 'X-BatchActions-Dashboard': '1', Authorization: `Bearer ${TOKEN}` },
    });
    const body = (await res.json()) as { newJobId: string };
    expect(res.status).toBe(200);
    const job = await t.store.getJobState(body.newJobId);
    expect(job?.totalRecords).toBe(1);
  });

  it('refuses requests addressed to another host name when bound to loopback', async () => {
    const server = await startDashboardServer({ store: t.store, port: 0 });
    onTestFinished(() => server.close());
    const { request } = await import('node:http');
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(
        `${server.url}api/info`,
        { headers: { Host: 'rebound.example' } },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  it('rejects a bad option at construction, naming it', () => {
    expect(() => createDashboard({ store: t.store, allowControl: true })).toThrow(/controlToken/);
    expect(() =>
      createDashboard({ store: t.store, allowControl: true, controlToken: 'short' }),
    ).toThrow(/controlToken/);
    expect(() => createDashboard({ store: t.store, refreshMs: 10 })).toThrow(/refreshMs/);
    expect(() => createDashboard({ store: {} as unknown as typeof t.store })).toThrow(
      /store.*claimBatch/s,
    );
    expect(() => createDashboard({ store: t.store, basePath: 'dashboard/' })).toThrow(/basePath/);
  });

  it('works under a mount path: basePath, and a redirect to the trailing slash', async () => {
    const handler = createDashboard({ store: t.store, basePath: '/ops/dashboard' });
    const server = createServer((req, res) => {
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
        }),
    );
    const base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
    const bare = await fetch(`${base}/ops/dashboard`, { redirect: 'manual' });
    expect(bare.status).toBe(308);
    expect(bare.headers.get('location')).toBe('/ops/dashboard/');
    expect((await fetch(`${base}/ops/dashboard/`)).status).toBe(200);
    expect((await fetch(`${base}/ops/dashboard/api/info`)).status).toBe(200);
  });
});
