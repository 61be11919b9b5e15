// The names README fragments use without declaring them: objects the README's prose introduced
// in an earlier block (`di` is the quick start's DistributedImport, `jobId` the id prepare
// returned, …), typed as they are there. scripts/check-readme-snippets.mjs compiles every
// ```ts block with this file; a block's own declarations shadow these.
import type {
  DataSource,
  DistributedStateStore,
  RecordProcessorFn,
  StateStore,
} from '@batchactions/core';
import type { DistributedImport } from '@batchactions/distributed';
import type { SourceParser } from '@batchactions/import';

declare global {
  /** The quick start's `DistributedImport`. */
  const di: DistributedImport;
  /** The job id `prepare` returned (or none yet, for `BatchEngine.restore`). */
  const jobId: string;
  /** Your record processor. */
  const processRecord: RecordProcessorFn;
  /** Aborted on SIGTERM by your process. */
  const stopSignal: AbortSignal;
  /** The AWS Lambda handler's context. */
  const context: { readonly awsRequestId: string; getRemainingTimeInMillis(): number };
  /** Your database client. */
  const db: {
    insertMany(
      table: string,
      rows: readonly unknown[],
      options: { onConflict: 'ignore'; signal: AbortSignal },
    ): Promise<void>;
  };
  /** The state store the job uses. */
  const stateStore: StateStore;
  /** A source and parser, as given to `prepare` or `from`. */
  const source: DataSource;
  const parser: SourceParser;
  /** Your application's write of one user. */
  function saveUser(record: unknown, options: { signal: AbortSignal }): Promise<void>;
  /** Starts your worker fleet on a job (invokes worker functions, messages containers). */
  function startWorkers(jobId: string): void;
  /** Schedules the next serverless invocation for a job. */
  function scheduleNext(jobId: string): Promise<void>;
  /** Your own store. */
  const MyStore: new () => DistributedStateStore & { initialize(): Promise<void> };
}
