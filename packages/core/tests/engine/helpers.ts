import {
  BatchEngine,
  InMemoryStateStore,
  type BatchState,
  type DomainEvent,
  type JobState,
  type ProcessedRecord,
  type StateStore,
} from '@batchactions/core';

/** An `InMemoryStateStore` that logs every call as `method:detail`. */
export class RecordingStore extends InMemoryStateStore implements StateStore {
  readonly calls: string[] = [];
  readonly jobSaves: JobState[] = [];

  override async saveJobState(job: JobState): Promise<void> {
    this.calls.push(`saveJobState:${job.status}`);
    this.jobSaves.push(structuredClone(job));
    await super.saveJobState(job);
  }

  override async updateBatchState(jobId: string, batchId: string, state: BatchState) {
    this.calls.push(
      `updateBatchState:${state.status}:${state.processedCount}/${state.failedCount}`,
    );
    await super.updateBatchState(jobId, batchId, state);
  }

  override async saveProcessedRecord(jobId: string, batchId: string, record: ProcessedRecord) {
    this.calls.push(`saveProcessedRecord:${record.index}:${record.status}`);
    await super.saveProcessedRecord(jobId, batchId, record);
  }
}

/** Collects every event of an engine. */
export function collectEvents(engine: BatchEngine): DomainEvent[] {
  const events: DomainEvent[] = [];
  engine.onAny((e) => events.push(e));
  return events;
}

/** `n` records `{ id: i }`. */
export function rows(n: number): { id: number }[] {
  return Array.from({ length: n }, (_, i) => ({ id: i }));
}

/** Event types, with the record index for record events. */
export function trace(events: readonly DomainEvent[]): string[] {
  return events.map((e) => ('recordIndex' in e ? `${e.type}#${e.recordIndex}` : e.type));
}
