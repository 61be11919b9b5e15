import type { RunWorkerResult } from '../worker/run-worker';

/** What a `work` process started by `demo` sends its parent over IPC when it is done. */
export interface WorkerReport {
  readonly type: 'batchactions:worker-report';
  readonly result: RunWorkerResult;
  /** Peak resident set size of the worker process, in bytes. */
  readonly peakRssBytes: number;
  /** When this worker finished its first batch (epoch ms); absent when it processed none. */
  readonly firstBatchAt?: number;
}

/** True for a message that is a {@link WorkerReport}. */
export function isWorkerReport(message: unknown): message is WorkerReport {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === 'batchactions:worker-report'
  );
}

/** Sends the report to the parent process when there is one (forked with IPC); else nothing. */
export function sendWorkerReport(report: WorkerReport): Promise<void> {
  const send = process.send?.bind(process);
  if (send === undefined || !process.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    send(report, undefined, {}, (error: Error | null) => {
      if (error) reject(error);
      else resolve();
    });
  });
}
