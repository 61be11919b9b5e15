import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BufferSource } from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { SqliteStateStore } from '@batchactions/state-sqlite';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DistributedImport } from '../../src/index';
import { requireBuiltCli, runCli, startCli, type RunningCli } from './built-cli';

beforeAll(() => {
  requireBuiltCli();
});

describe('dashboard command', () => {
  let dir: string | undefined;
  let running: RunningCli | undefined;

  afterEach(async () => {
    running?.child.kill('SIGTERM');
    await running?.done;
    running = undefined;
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  async function storeWithJob(): Promise<{ url: string; jobId: string }> {
    dir = await mkdtemp(join(tmpdir(), 'ba-dash-cli-'));
    const filename = join(dir, 'state.sqlite');
    const store = new SqliteStateStore({ filename });
    await store.initialize();
    const di = new DistributedImport({ schema: { fields: [] }, stateStore: store });
    const { jobId } = await di.prepare(new BufferSource('id\n1\n2\n'), new CsvParser());
    await store.close();
    return { url: `sqlite:${filename}`, jobId };
  }

  it('serves the jobs of the store on 127.0.0.1, read-only, and stops on SIGTERM', async () => {
    const { url, jobId } = await storeWithJob();
    running = startCli(['dashboard', '--store', url, '--port', '0']);
    await running.waitForStdout(/Ctrl-C stops it/);
    const out = running.stdoutSoFar();
    expect(out).toMatch(/at http:\/\/127\.0\.0\.1:\d+\//);
    expect(out).toContain('listening on 127.0.0.1 only');
    expect(out).toContain('read-only');
    const address = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1] ?? '';
    const res = await fetch(`${address}api/jobs`);
    const body = (await res.json()) as { jobs: { jobId: string }[] };
    expect(body.jobs.map((job) => job.jobId)).toEqual([jobId]);
    const control = await fetch(`${address}api/jobs/${jobId}/pause`, {
      method: 'POST',
      headers: { 'X-BatchActions-Dashboard': '1' },
    });
    expect(control.status).toBe(403);
    running.child.kill('SIGTERM');
    expect((await running.done).code).toBe(0);
    running = undefined;
  });

  it('with --allow-control takes the token from the environment', async () => {
    const { url, jobId } = await storeWithJob();
    const token = 'cli-test-token-0123456789';
    running = startCli(['dashboard', '--store', url, '--port', '0', '--allow-control'], {
      env: { BATCHACTIONS_DASHBOARD_TOKEN: token },
    });
    await running.waitForStdout(/Ctrl-C stops it/);
    const out = running.stdoutSoFar();
    expect(out).toContain('token from BATCHACTIONS_DASHBOARD_TOKEN');
    expect(out).not.toContain(token);
    const address = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1] ?? '';
    const pause = await fetch(`${address}api/jobs/${jobId}/pause`, {
      method: 'POST',
      headers: { 'X-BatchActions-Dashboard': '1', Authorization: `Bearer ${token}` },
    });
    expect(pause.status).toBe(200);
  });

  it('documents its flags in --help', async () => {
    const run = await runCli(['dashboard', '--help']);
    expect(run.code).toBe(0);
    for (const flag of ['--store', '--port', '--host', '--allow-control', '--refresh']) {
      expect(run.stdout).toContain(flag);
    }
    expect(run.stdout).toContain('127.0.0.1');
  });
});
