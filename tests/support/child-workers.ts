import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { requireFreshBuild } from './built-output';

const root = fileURLToPath(new URL('../../', import.meta.url));
const workerScript = fileURLToPath(new URL('../fixtures/mp-worker.mjs', import.meta.url));

/** Fails with a clear message when the packages the child processes load are not built. */
export function requireBuild(storePackage: 'state-sqlite' | 'state-postgres'): void {
  requireFreshBuild('distributed', storePackage);
}

/** What a child worker printed when it finished. */
export interface ChildReport {
  readonly workerId: string;
  readonly batches: number;
  readonly processed: number;
  readonly failed: number;
  readonly jobComplete: boolean;
  readonly invocations: number;
}

/** A worker process and the promise of its end. */
export interface ChildWorker {
  readonly child: ChildProcess;
  readonly done: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    report?: ChildReport;
    stderr: string;
  }>;
}

/** Starts `mp-worker.mjs` (or another worker script of `tests/fixtures`) with the given environment. */
export function startWorker(env: Record<string, string>, script = workerScript): ChildWorker {
  const child = spawn(process.execPath, [script], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    report?: ChildReport;
    stderr: string;
  }>((resolve) => {
    child.on('close', (code, signal) => {
      const last = stdout.trim().split('\n').at(-1);
      const parsed = last ? (JSON.parse(last) as Partial<ChildReport>) : undefined;
      const report = parsed && 'workerId' in parsed ? (parsed as ChildReport) : undefined;
      resolve({ code, signal, stderr, ...(report ? { report } : {}) });
    });
  });
  return { child, done };
}
