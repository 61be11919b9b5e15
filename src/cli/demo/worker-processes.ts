import { fork, type ChildProcess } from 'node:child_process';
import { WorkerProcessError } from '../cli-errors';
import { isWorkerReport, type WorkerReport } from '../worker-report';

/** How a worker process ended. */
export interface WorkerProcessOutcome {
  readonly workerId: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last 8 KB the process wrote to stderr. */
  readonly stderr: string;
  /** What the worker reported over IPC before exiting (absent if it failed first). */
  readonly report?: WorkerReport;
}

/** A started worker process. */
export interface WorkerProcess {
  readonly workerId: string;
  readonly child: ChildProcess;
  readonly exited: Promise<WorkerProcessOutcome>;
}

const STDERR_KEEP = 8 * 1024;

/**
 * Forks `cliPath` with `args` (a `work` command line) as the worker `workerId`, with `env` as
 * its environment (default: this process's). Secrets belong in `env`, never in `args`.
 */
export function forkWorker(
  cliPath: string,
  workerId: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): WorkerProcess {
  const child = fork(cliPath, [...args], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env });
  let stderr = '';
  let report: WorkerReport | undefined;
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    stderr = (stderr + text).slice(-STDERR_KEEP);
  });
  child.on('message', (message: unknown) => {
    if (isWorkerReport(message)) report = message;
  });
  const exited = new Promise<WorkerProcessOutcome>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode, signal) => {
      resolve({ workerId, exitCode, signal, stderr, ...(report ? { report } : {}) });
    });
  });
  return { workerId, child, exited };
}

/**
 * Waits for every worker. When one fails, the others are asked to stop (SIGTERM: they finish
 * their batches in flight) and the first failure is thrown as `WorkerProcessError`.
 */
export async function waitForWorkers(
  workers: readonly WorkerProcess[],
): Promise<WorkerProcessOutcome[]> {
  // The failure to report is the one that came first in time, not in the workers' order: the
  // others may end badly only because they were stopped after it.
  let failed: WorkerProcessOutcome | undefined;
  const outcomes = await Promise.all(
    workers.map((worker) =>
      worker.exited.then((outcome) => {
        if (outcome.exitCode !== 0 && failed === undefined) {
          failed = outcome;
          for (const other of workers) {
            if (other !== worker && other.child.exitCode === null) other.child.kill('SIGTERM');
          }
        }
        return outcome;
      }),
    ),
  );
  if (failed) {
    throw new WorkerProcessError(failed.workerId, failed.exitCode, failed.signal, failed.stderr);
  }
  return outcomes;
}
