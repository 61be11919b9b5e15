import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerProcessError } from '../../src/cli/cli-errors';
import { forkWorker, waitForWorkers } from '../../src/cli/demo/worker-processes';

let dir: string;
let failing: string;
let waiting: string;
let reporting: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-forks-'));
  failing = join(dir, 'failing.mjs');
  waiting = join(dir, 'waiting.mjs');
  reporting = join(dir, 'reporting.mjs');
  await writeFile(failing, "process.stderr.write('store exploded\\n'); process.exit(3);\n");
  // Runs until SIGTERM, then exits 0 like a worker finishing its batches.
  await writeFile(
    waiting,
    "const t = setInterval(() => {}, 1000); process.on('SIGTERM', () => { clearInterval(t); process.disconnect(); }); process.send('ready');\n",
  );
  await writeFile(
    reporting,
    "process.send({ type: 'batchactions:worker-report', result: { workerId: 'r', batches: 2, processed: 9, failed: 1, jobComplete: true, stoppedBy: 'job-complete' }, peakRssBytes: 123 }, () => process.disconnect());\n",
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('demo worker processes', () => {
  it('a failing worker fails the wait with its exit code and stderr, and the others are stopped', async () => {
    const waiter = forkWorker(waiting, 'w-wait', []);
    // Start the failing worker only once the other one handles SIGTERM.
    await once(waiter.child, 'message');
    const workers = [waiter, forkWorker(failing, 'w-fail', [])];
    const error = await waitForWorkers(workers).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(WorkerProcessError);
    const failure = error as WorkerProcessError;
    expect(failure.workerId).toBe('w-fail');
    expect(failure.exitCode).toBe(3);
    expect(failure.message).toContain('Worker process "w-fail" exited with code 3');
    expect(failure.message).toContain('store exploded');
    // The waiting worker got SIGTERM and exited on its own (code 0), so the wait could end.
    expect(workers[0]!.child.exitCode).toBe(0);
  });

  it('collects the report each worker sends over IPC', async () => {
    const [outcome] = await waitForWorkers([forkWorker(reporting, 'r', [])]);
    expect(outcome?.exitCode).toBe(0);
    expect(outcome?.report).toMatchObject({
      peakRssBytes: 123,
      result: { processed: 9, failed: 1 },
    });
  });
});
