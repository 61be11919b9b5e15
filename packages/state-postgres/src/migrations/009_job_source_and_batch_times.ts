import type { Migration } from './migration';

/**
 * Version 9: `jobs."sourceName"` (the source's file name, for search), `jobs."traceContext"`
 * (the prepare's trace context, with OpenTelemetry context propagation) and
 * `batches."completedAt"` (epoch ms, when the batch reached a final state). Columns only:
 * existing rows get NULLs, nothing is rewritten. See the shared store's version 9.
 */
export const migration009JobSourceAndBatchTimes: Migration = {
  version: 9,
  name: 'job source name, trace context, batch completion time',
  sql: `
ALTER TABLE {{schema}}.jobs
  ADD COLUMN "sourceName" text,
  ADD COLUMN "traceContext" text;
ALTER TABLE {{schema}}.batches ADD COLUMN "completedAt" bigint;
`,
};
