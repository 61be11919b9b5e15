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

/** How a child process ended: its exit code or signal, its stderr and its last stdout line as JSON. */
export interface ChildEnd {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  /** The last line the child printed, parsed; absent when it printed nothing. */
  readonly last?: Record<string, unknown>;
}

/** Starts `node script` in the repository root with `env` added to this process's environment. */
export function startChild(
  script: string,
  env: Record<string, string>,
): { child: ChildProcess; done: Promise<ChildEnd> } {
  const child = spawn(process.execPath, [script], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<ChildEnd>((resolve) => {
    child.on('close', (code, signal) => {
      const last = stdout.trim().split('\n').at(-1);
      resolve({
        code,
        signal,
        stderr,
        ...(last ? { last: JSON.parse(last) as Record<string, unknown> } : {}),
      });
    });
  });
  return { child, done };
}

/** Starts `mp-worker.mjs` (or another worker script of `tests/fixtures`) with the given environment. */
export function startWorker(env: Record<string, string>, script = workerScript): ChildWorker {
  const { child, done } = startChild(script, env);
  return {
    child,
    done: done.then(({ code, signal, stderr, last }) => ({
      code,
      signal,
      stderr,
      ...(last && 'workerId' in last ? { report: last as unknown as ChildReport } : {}),
    })),
  };
}
