import { describe, expect, it } from 'vitest';
import { BufferSource, type DistributedStateStore, type JobSummary } from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { DistributedImport } from '../../src/index';
import { sequelizeFactories } from '../support/sequelize-stores';
import { fullPortStores, useTestStore } from '../support/stores';
import { usersCsv, usersSchema } from '../support/workers';

const withCompletionClaims = [...fullPortStores, ...sequelizeFactories];

/**
 * The store, with its next `failures` calls of `claimJobCompletion` failing as a dropped
 * connection would: `afterCommit` runs the real call first (the answer is lost), otherwise the
 * call never reaches the store.
 */
function droppingCompletionClaims(
  store: DistributedStateStore,
  failures: number,
  afterCommit: boolean,
): DistributedStateStore {
  let left = failures;
  return new Proxy(store, {
    get(target, property) {
      if (property === 'claimJobCompletion') {
        return async (jobId: string, claimant: string) => {
          if (left <= 0) return target.claimJobCompletion?.(jobId, claimant);
          left -= 1;
          if (afterCommit) await target.claimJobCompletion?.(jobId, claimant);
          throw new Error('Connection terminated unexpectedly');
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

/**
 * A prepares an 8-record job and processes it; its finalising call rejects because the store
 * is cut off from its completion claims, so nothing is emitted; then B's call reports the job
 * once. Returns the job id.
 */
async function finaliserCutOff(
  a: DistributedImport,
  b: DistributedImport,
  eventsA: JobSummary[],
  eventsB: JobSummary[],
): Promise<string> {
  const { jobId } = await a.prepare(new BufferSource(usersCsv(8)), new CsvParser());
  await a.processWorkerBatch(jobId, () => undefined, 'a');
  await expect(a.processWorkerBatch(jobId, () => undefined, 'a')).rejects.toThrow(
    'Connection terminated unexpectedly',
  );
  expect((await b.getStatus(jobId)).status).toBe('COMPLETED');
  expect(eventsA).toEqual([]);

  const next = await b.processWorkerBatch(jobId, () => undefined, 'b');
  expect(next).toMatchObject({ claimed: false, jobComplete: true });
  expect(eventsB).toEqual([expect.objectContaining({ total: 8, processed: 8, failed: 0 })]);
  return jobId;
}

/** Later calls of A and B report nothing: the job was reported once, by B. */
async function expectNoSecondReport(
  a: DistributedImport,
  b: DistributedImport,
  jobId: string,
  eventsA: JobSummary[],
  eventsB: JobSummary[],
): Promise<void> {
  expect((await a.processWorkerBatch(jobId, () => undefined, 'a')).jobComplete).toBe(false);
  expect((await b.processWorkerBatch(jobId, () => undefined, 'b')).jobComplete).toBe(false);
  expect(eventsA).toHaveLength(0);
  expect(eventsB).toHaveLength(1);
}

describe.each(withCompletionClaims)('job:completed exactly once on $name', (factory) => {
  const t = useTestStore(factory);

  const importerOn = (
    store: DistributedStateStore,
    events: JobSummary[],
    completionTakeOverAfterMs?: number,
  ) => {
    const di = new DistributedImport({
      schema: usersSchema,
      batchSize: 4,
      stateStore: store,
      ...(completionTakeOverAfterMs === undefined ? {} : { completionTakeOverAfterMs }),
    });
    di.on('job:completed', (e) => events.push(e.summary));
    return di;
  };

  it('the answer to the finaliser is lost once: its retry gets the completion, emitted once', async () => {
    const events: JobSummary[] = [];
    const store = droppingCompletionClaims(t.store, 1, true);
    const a = importerOn(store, events);
    const b = importerOn(store, events);
    const { jobId } = await a.prepare(new BufferSource(usersCsv(20)), new CsvParser());
    let processed = 0;
    const loop = async (di: DistributedImport, id: string) => {
      for (;;) {
        const r = await di.processWorkerBatch(jobId, () => void (processed += 1), id);
        if (!r.claimed || r.jobComplete) return;
      }
    };
    await Promise.all([loop(a, 'a'), loop(b, 'b')]);
    // Later calls on the finished job report nothing more.
    await a.processWorkerBatch(jobId, () => undefined, 'a');
    await b.processWorkerBatch(jobId, () => undefined, 'b');
    expect(processed).toBe(20);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ total: 20, processed: 20, failed: 0, skipped: 0 });
  });

  it('the finaliser cannot reach the store after finalising: its call rejects, the next worker call emits it', async () => {
    const eventsA: JobSummary[] = [];
    const eventsB: JobSummary[] = [];
    // The finaliser's first try and its three retries never reach the store.
    const a = importerOn(droppingCompletionClaims(t.store, 4, false), eventsA);
    const b = importerOn(t.store, eventsB);
    const jobId = await finaliserCutOff(a, b, eventsA, eventsB);
    // Nobody reports it again.
    await expectNoSecondReport(a, b, jobId, eventsA, eventsB);
  });

  it('the claim of the finaliser commits but every answer is lost: a later worker takes the claim over and emits it once', async () => {
    const eventsA: JobSummary[] = [];
    const eventsB: JobSummary[] = [];
    // The finaliser's claim and its three retries all commit, and all four answers are lost.
    const a = importerOn(droppingCompletionClaims(t.store, 4, true), eventsA);
    // Worker B takes over a claim left unacknowledged for 0 ms (the default is a minute).
    const b = importerOn(t.store, eventsB, 0);
    const jobId = await finaliserCutOff(a, b, eventsA, eventsB);
    // B acknowledged it: nobody takes it over again, not even B's next call.
    await expectNoSecondReport(a, b, jobId, eventsA, eventsB);
  });
});
