// The published core README's "Serverless / Chunked Processing" example, unchanged except the
// processor body. `source`, `parser` and `scheduleNext` are the names the example leaves to
// the reader; they are defined below it.
import { BatchEngine, BufferSource, InMemoryStateStore } from '@batchactions/core';

const stateStore = new InMemoryStateStore(); // or FileStateStore, SequelizeStateStore, etc.

export async function handler(event: { jobId?: string }) {
  let engine: BatchEngine;

  if (event.jobId) {
    // Subsequent invocation: restore from persisted state
    const restored = await BatchEngine.restore(event.jobId, { stateStore, batchSize: 100 });
    if (!restored) throw new Error('Job not found');
    engine = restored;
  } else {
    // First invocation: create a new engine
    engine = new BatchEngine({ stateStore, batchSize: 100, continueOnError: true });
  }

  // The source must be re-fed on every invocation (it will be re-streamed)
  engine.from(source, parser);

  const result = await engine.processChunk(
    async (record) => {
      await processRecord(record);
    },
    { maxDurationMs: 25_000 }, // stop before Lambda's 30s timeout
  );

  if (!result.done) {
    // Schedule the next invocation with the job ID
    await scheduleNext({ jobId: result.jobId });
  }

  return { done: result.done, processed: result.totalProcessed };
}

// --- What the example leaves to the reader -------------------------------------------------

/** 250 JSON records. */
const source = new BufferSource(JSON.stringify(Array.from({ length: 250 }, (_, id) => ({ id }))));
const parser = {
  async *parse(chunk: string | Buffer) {
    const rows = JSON.parse(chunk.toString()) as Record<string, unknown>[];
    for (const row of rows) {
      await Promise.resolve();
      yield row;
    }
  },
};

/** Ids the processor saw, in order. */
export const processedIds: unknown[] = [];
async function processRecord(record: Record<string, unknown>): Promise<void> {
  await Promise.resolve();
  processedIds.push(record.id);
}

/** The job ids the handler asked to be invoked with next. */
export const scheduled: string[] = [];
async function scheduleNext(next: { jobId: string }): Promise<void> {
  await Promise.resolve();
  scheduled.push(next.jobId);
}
