import { migration001Initial } from './001_initial';
import { migration002UniqueValues } from './002_unique_values';
import { migration003InclusiveRecordEnd } from './003_inclusive_record_end';
import { migration004PrepareLivenessAndSummary } from './004_prepare_liveness_and_summary';
import { migration005EarlyOpenAndResume } from './005_early_open_and_resume';
import { migration006CompletionAcknowledgement } from './006_completion_acknowledgement';
import { migration007SharedColumns } from './007_shared_columns';
import { migration008JobLimits } from './008_job_limits';
import { migration009JobSourceAndBatchTimes } from './009_job_source_and_batch_times';
import { migration010BatchPayloads } from './010_batch_payloads';
import { migration011ClaimSeq } from './011_claim_seq';
import { migration012BatchOutcomes } from './012_batch_outcomes';
import type { Migration } from './migration';

export type { Migration } from './migration';

/** Every migration, in version order. Append new ones; never edit a released one. */
export const MIGRATIONS: readonly Migration[] = [
  migration001Initial,
  migration002UniqueValues,
  migration003InclusiveRecordEnd,
  migration004PrepareLivenessAndSummary,
  migration005EarlyOpenAndResume,
  migration006CompletionAcknowledgement,
  migration007SharedColumns,
  migration008JobLimits,
  migration009JobSourceAndBatchTimes,
  migration010BatchPayloads,
  migration011ClaimSeq,
  migration012BatchOutcomes,
];

/** The schema version this package writes and reads. */
export const LATEST_SCHEMA_VERSION: number = MIGRATIONS.at(-1)?.version ?? 0;
