import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BatchStatus,
  BufferSource,
  InMemoryDistributedStateStore,
  JobStatus,
  type DistributedStateStore,
} from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { DistributedImport, startDashboardServer, type DashboardServer } from '../../src/index';
import { publishedPortOnly } from '../support/stores';
import { requireBuild, startWorker, type ChildWorker } from '../support/child-workers';
import { postgresTargetRig, sqliteTargetRig, type TargetRig } from '../support/target-rigs';

/** Debian's chromium (`apt-get install chromium`); CHROMIUM_PATH overrides it. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TOKEN = 'browser-test-token-0123456789';
const RECORDS = 6000;
const BATCH_SIZE = 25;
const XSS = '<script>alert(1)</script>';
const images = (name: string) =>
  fileURLToPath(new URL(`../../docs/images/${name}`, import.meta.url));

/** Row 5 holds the script tag as its email; every 97th row has a bad email too. */
function csv(): string {
  const lines = ['id,email'];
  for (let i = 0; i < RECORDS; i += 1) {
    const email =
      i === 4 ? XSS : i % 97 === 50 ? `not-an-email-${String(i)}` : `user${String(i)}@example.com`;
    lines.push(`${String(i)},${email}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The local PostgreSQL (DATABASE_URL) in a schema of its own, or SQLite files in a temp dir. */
function openRig(): Promise<TargetRig> {
  return process.env.DATABASE_URL ? postgresTargetRig('dash') : sqliteTargetRig('dash');
}

async function prepare(
  store: DistributedStateStore,
  text: string,
  fileName = 'users.csv',
): Promise<string> {
  const di = new DistributedImport({
    schema: { fields: [] },
    batchSize: BATCH_SIZE,
    stateStore: store,
  });
  // The BufferSource's file name is the job's source name (shown, and searched by).
  return (await di.prepare(new BufferSource(text, { fileName }), new CsvParser())).jobId;
}

/** Reads a number shown in a stat box ("1,234 / 6,000 (20%)" gives 1234). */
async function statNumber(page: Page, id: string): Promise<number> {
  const text = (await page.locator(`#${id} b`).textContent()) ?? '';
  return Number(text.split(' ')[0]?.replaceAll(',', ''));
}

describe('dashboard in chromium', () => {
  let rig: TargetRig;
  let browser: Browser;
  let server: DashboardServer;
  const workers: ChildWorker[] = [];

  beforeAll(async () => {
    requireBuild(process.env.DATABASE_URL ? 'state-postgres' : 'state-sqlite');
    rig = await openRig();
    browser = await chromium.launch({ executablePath: CHROMIUM });
    server = await startDashboardServer({
      store: rig.store,
      port: 0,
      allowControl: true,
      controlToken: TOKEN,
      refreshMs: 500,
    });
  });

  afterAll(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    // Optional chaining: a failed setup (no build, no browser) leaves some of them unset.
    await (server as DashboardServer | undefined)?.close();
    await (browser as Browser | undefined)?.close();
    await (rig as TargetRig | undefined)?.dispose();
  });

  it('shows 4 worker processes at work live, the failed rows as text, downloads and control', async () => {
    const jobId = await prepare(rig.store, csv());
    // Two more jobs for the jobs page: one waiting for workers, one finished.
    const waiting = await prepare(
      rig.store,
      'id,email\n1,a@example.com\n2,b@example.com\n',
      'Waiting-Orders.csv',
    );
    const finished = await prepare(rig.store, csv().split('\n').slice(0, 301).join('\n'));
    const finisher = startWorker({ ...rig.env, JOB_ID: finished, WORKER_ID: 'early-bird' });
    await finisher.done;
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(server.url);
    await expect.poll(() => page.locator('#jobs-table tbody tr').count()).toBe(3);
    expect(await page.locator(`tr[data-job="${waiting}"] .badge`).nth(1).textContent()).toBe(
      'waiting-for-workers',
    );
    // The search finds a job by its file name (any case) as well as by its id.
    await page.fill('#search', 'waiting-ORD');
    await expect.poll(() => page.locator('#jobs-table tbody tr').count()).toBe(1);
    expect(await page.locator('#jobs-table tbody tr').getAttribute('data-job')).toBe(waiting);
    expect(await page.locator(`tr[data-job="${waiting}"] td.source`).textContent()).toBe(
      'Waiting-Orders.csv',
    );
    await page.fill('#search', jobId.slice(0, 8));
    await expect
      .poll(() => page.locator('#jobs-table tbody tr').first().getAttribute('data-job'))
      .toBe(jobId);
    await page.fill('#search', '');
    await expect.poll(() => page.locator('#jobs-table tbody tr').count()).toBe(3);

    for (let i = 0; i < 4; i += 1) {
      workers.push(
        startWorker({
          ...rig.env,
          JOB_ID: jobId,
          WORKER_ID: `worker-${String(i + 1)}`,
          BATCH_SIZE: String(BATCH_SIZE),
          RECORD_DELAY_MS: '6',
        }),
      );
    }

    // The jobs page follows the workers: progress grows, the workers are counted.
    const row = page.locator(`tr[data-job="${jobId}"]`);
    await expect
      .poll(async () => Number((await row.locator('td').nth(9).textContent()) ?? '0'), {
        timeout: 30_000,
      })
      .toBeGreaterThanOrEqual(2);
    await expect
      .poll(
        async () =>
          Number(
            ((await row.locator('td').nth(5).textContent()) ?? '0')
              .split(' ')[0]
              ?.replaceAll(',', ''),
          ),
        { timeout: 30_000 },
      )
      .toBeGreaterThan(RECORDS * 0.15);
    await page.screenshot({
      path: images('dashboard-jobs.png'),
      clip: { x: 0, y: 0, width: 1360, height: 300 },
    });

    await row.locator('a').click();
    await page.waitForSelector('#stat-done');
    const grid = page.locator('#grid');
    await expect.poll(() => grid.getAttribute('data-batches')).toBe(String(RECORDS / BATCH_SIZE));
    const firstDone = await statNumber(page, 'stat-done');
    const firstGrid = (await grid.getAttribute('data-codes')) ?? '';
    await expect
      .poll(() => statNumber(page, 'stat-done'), { timeout: 30_000 })
      .toBeGreaterThan(firstDone + 200);
    await expect.poll(async () => (await grid.getAttribute('data-codes')) !== firstGrid).toBe(true);
    expect(firstGrid.length).toBe(RECORDS / BATCH_SIZE);
    await expect
      .poll(async () => /[RS]/.test((await grid.getAttribute('data-codes')) ?? ''))
      .toBe(true);
    expect(await page.locator('#in-flight tbody tr').count()).toBeGreaterThan(0);

    // The row whose email is a script tag shows as text: no dialog, no script element.
    const xssRow = page.locator('#failed-table tr[data-row="5"]');
    await xssRow.waitFor({ timeout: 30_000 });
    expect(await xssRow.locator('td.raw').textContent()).toContain(`email: ${XSS}`);
    expect(await page.locator('#failed-table script').count()).toBe(0);

    // The hover tip names the batch's worker, attempt and how long it ran (or runs).
    const box = await grid.boundingBox();
    if (box) await page.mouse.move(box.x + 3, box.y + 3);
    await expect.poll(() => page.locator('.tip').textContent()).toContain('batch 0');
    await expect
      .poll(() => page.locator('.tip').textContent())
      .toMatch(/attempt \d+, worker worker-\d[\s\S]*(took|running for) \d+(\.\d)? (ms|s)/);

    await expect
      .poll(
        async () => {
          const done = await statNumber(page, 'stat-done');
          return done > RECORDS * 0.3;
        },
        { timeout: 60_000 },
      )
      .toBe(true);
    await page.setViewportSize({ width: 1360, height: 1180 });
    await page.screenshot({ path: images('dashboard-job.png') });

    // Control: refused without the token (403), done with it.
    await page.locator('#action-pause').click();
    await expect.poll(() => page.locator('#control-result').textContent()).toContain('refused');
    const refused = await page.evaluate(
      async (url) => {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'X-BatchActions-Dashboard': '1' },
        });
        return res.status;
      },
      `api/jobs/${encodeURIComponent(jobId)}/pause`,
    );
    expect(refused).toBe(403);
    const crossSite = await fetch(`${server.url}api/jobs/${jobId}/pause`, {
      method: 'POST',
      headers: {
        'X-BatchActions-Dashboard': '1',
        Authorization: `Bearer ${TOKEN}`,
        Origin: 'http://attacker.example',
      },
    });
    expect(crossSite.status).toBe(403);
    expect(await rig.store.getJobStatus?.(jobId)).toBe(JobStatus.PROCESSING);

    await page.fill('#token', TOKEN);
    await page.locator('#action-pause').click();
    await expect.poll(() => page.locator('#control-result').textContent()).toBe('pause: done');
    expect(await rig.store.getJobStatus?.(jobId)).toBe(JobStatus.PAUSED);
    await expect.poll(() => page.locator('#summary .badge').first().textContent()).toBe('paused');
    await page.locator('#action-resume').click();
    await expect.poll(() => page.locator('#control-result').textContent()).toBe('resume: done');
    expect(await rig.store.getJobStatus?.(jobId)).toBe(JobStatus.PROCESSING);

    // Workers that found the job paused may have stopped: start fresh ones to finish it.
    await Promise.all(workers.map((worker) => worker.done));
    if ((await rig.store.getJobStatus?.(jobId)) === JobStatus.PROCESSING) {
      const finishers = [1, 2].map((i) =>
        startWorker({
          ...rig.env,
          JOB_ID: jobId,
          WORKER_ID: `finisher-${String(i)}`,
          BATCH_SIZE: String(BATCH_SIZE),
        }),
      );
      workers.push(...finishers);
      await Promise.all(finishers.map((worker) => worker.done));
    }
    await expect
      .poll(() => page.locator('#summary .badge').first().textContent(), { timeout: 30_000 })
      .toBe('finished');
    const failures = await rig.store.getFailedRecords(jobId);
    expect(await statNumber(page, 'stat-failed')).toBe(failures.length);

    // The download holds the failed rows, the script tag as written.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('#download-csv').click(),
    ]);
    const path = await download.path();
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(path, 'utf8');
    expect(text.split('\n')[0]).toBe('row,status,id,email,errors');
    expect(text).toContain(`5,invalid,4,${XSS},`);
    expect(text.trim().split('\n')).toHaveLength(failures.length + 1);
    const ndjson = await page.evaluate(
      async (url) => (await fetch(url)).text(),
      `api/jobs/${encodeURIComponent(jobId)}/failed.ndjson`,
    );
    expect(ndjson).toContain(JSON.stringify(XSS));

    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('says so when the store cannot list jobs or batches', async () => {
    const bare = await startDashboardServer({ store: publishedPortOnly(rig.store), port: 0 });
    try {
      const page = await browser.newPage();
      await page.goto(bare.url);
      const notice = page.locator('#no-listing');
      await notice.waitFor();
      expect(await notice.textContent()).toContain('no listJobs method');
      const jobId = await prepare(rig.store, 'id,email\n1,a@example.com\n');
      await page.fill('#open-id', jobId);
      await page.getByText('Open job').click();
      await page.waitForSelector('#stat-done');
      await expect
        .poll(() => page.locator('#grid-note').textContent())
        .toContain('no listBatches method');
      expect(await page.locator('#mode').textContent()).toBe('read-only');
      await page.close();
    } finally {
      await bare.close();
    }
  });

  it('draws a 20,000-batch grid, one cell per batch', async () => {
    const store = new InMemoryDistributedStateStore();
    const di = new DistributedImport({ schema: { fields: [] }, batchSize: 1, stateStore: store });
    const lines = ['id', ...Array.from({ length: 20_000 }, (_, i) => String(i))];
    const { jobId } = await di.prepare(new BufferSource(`${lines.join('\n')}\n`), new CsvParser());
    for (let i = 0; i < 7_000; i += 1) {
      const claim = await store.claimBatch(jobId, `w${String(i % 4)}`);
      if (!claim.claimed) throw new Error('nothing to claim');
      await store.updateBatchState(jobId, claim.reservation.batchId, {
        batchId: claim.reservation.batchId,
        status: BatchStatus.COMPLETED,
        processedCount: i % 50 === 0 ? 0 : 1,
        failedCount: i % 50 === 0 ? 1 : 0,
      });
    }
    await store.claimBatch(jobId, 'holder');
    const big = await startDashboardServer({ store, port: 0 });
    try {
      const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
      await page.goto(`${big.url}#/job/${encodeURIComponent(jobId)}`);
      const grid = page.locator('#grid');
      await expect.poll(() => grid.getAttribute('data-batches'), { timeout: 30_000 }).toBe('20000');
      const size = {
        width: Number(await grid.getAttribute('width')),
        height: Number(await grid.getAttribute('height')),
      };
      // 4-pixel cells above 8,000 batches: every batch has its cell.
      expect(Math.floor(size.width / 4) * Math.floor(size.height / 4)).toBeGreaterThanOrEqual(
        20_000,
      );
      const box = await grid.boundingBox();
      if (box) await page.mouse.move(box.x + 1, box.y + 1);
      await expect.poll(() => page.locator('.tip').textContent()).toContain('batch 0');
      await expect.poll(() => page.locator('.tip').textContent()).toMatch(/took \d+ ms/);
      await page.close();
    } finally {
      await big.close();
    }
  });
});
