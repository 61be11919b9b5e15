import type { DistributedStateStore } from '@batchactions/core';
import { cancelJob, pauseJob, purgeJob, resumeJob } from '../control/job-control';
import { DistributedImport } from '../distributed-import';

/** The control requests the dashboard accepts (`POST api/jobs/<id>/<action>`). */
export const CONTROL_ACTIONS = ['pause', 'resume', 'cancel', 'redrive', 'purge'] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

/** What a control request did. */
export interface ControlOutcome {
  /** False when the job was not in a state the action applies to (nothing changed). */
  readonly done: boolean;
  /** With `redrive`: the new job holding the failed records. */
  readonly newJobId?: string;
}

export function isControlAction(name: string): name is ControlAction {
  return (CONTROL_ACTIONS as readonly string[]).includes(name);
}

/**
 * Runs a control action with the facade's control plane. A redrive prepares a new job holding
 * the invalid and failed records' source rows (as `DistributedImport.redrive`); its workers
 * apply their own schema, so the importer here needs none.
 */
export async function runControlAction(
  store: DistributedStateStore,
  jobId: string,
  action: ControlAction,
  redriveBatchSize: number,
): Promise<ControlOutcome> {
  switch (action) {
    case 'pause':
      return { done: await pauseJob(store, jobId) };
    case 'resume':
      return { done: await resumeJob(store, jobId) };
    case 'cancel':
      return { done: await cancelJob(store, jobId) };
    case 'purge':
      return { done: await purgeJob(store, jobId) };
    case 'redrive': {
      const importer = new DistributedImport({
        schema: { fields: [] },
        stateStore: store,
        batchSize: redriveBatchSize,
      });
      const result = await importer.redrive(jobId);
      return { done: true, newJobId: result.jobId };
    }
  }
}
