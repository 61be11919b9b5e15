/**
 * The prepares and batches this process runs, per job, so that `cancel` and `purge` called on the
 * same `DistributedImport` stop them at once instead of after the next cancellation check.
 */
export class LocalWork {
  private readonly byJob = new Map<string, Set<AbortController>>();

  /** A signal for one prepare or batch of `jobId`, following `outer` too; `done` forgets it. */
  track(jobId: string, outer?: AbortSignal): { signal: AbortSignal; done: () => void } {
    const controller = new AbortController();
    let detach = (): void => undefined;
    if (outer?.aborted === true) controller.abort(outer.reason);
    else if (outer) {
      const onAbort = (): void => {
        controller.abort(outer.reason);
      };
      outer.addEventListener('abort', onAbort, { once: true });
      detach = () => {
        outer.removeEventListener('abort', onAbort);
      };
    }
    let set = this.byJob.get(jobId);
    if (!set) {
      set = new Set();
      this.byJob.set(jobId, set);
    }
    set.add(controller);
    return {
      signal: controller.signal,
      done: () => {
        detach();
        const current = this.byJob.get(jobId);
        current?.delete(controller);
        if (current?.size === 0) this.byJob.delete(jobId);
      },
    };
  }

  /** Aborts every prepare and batch of `jobId` running in this process. */
  abort(jobId: string, reason: unknown): void {
    for (const controller of this.byJob.get(jobId) ?? []) controller.abort(reason);
  }
}
