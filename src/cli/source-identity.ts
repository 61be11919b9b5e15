import { createHash, randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { formatCount } from './format';
import {
  BatchActionsError,
  JobStatus,
  type DistributedStateStore,
  type JobListEntry,
} from '@batchactions/core';

/** What makes two runs of `prepare` "the same file": its name, size and modification time. */
export interface FileIdentity {
  readonly name: string;
  readonly size: number;
  readonly modifiedAt: Date;
}

/** The identity of a local file (`prepare`'s argument when it is not a URL). */
export function fileIdentity(path: string): FileIdentity {
  const stats = statSync(path);
  return { name: basename(path), size: stats.size, modifiedAt: stats.mtime };
}

/** `users.csv, 12,345 bytes, modified 2026-12-05T13:00:00.000Z`. */
export function describeIdentity(identity: FileIdentity): string {
  const size = formatCount(identity.size);
  return `${identity.name}, ${size} bytes, modified ${identity.modifiedAt.toISOString()}`;
}

/**
 * The first four groups of the job ids `prepare` gives jobs of this file
 * (`xxxxxxxx-xxxx-xxxx-xxxx-`): 80 bits of a SHA-256 of name, size and modification time. The
 * last group tells the jobs of one file apart, so the store's job list shows which jobs came
 * from the file without storing anything else.
 */
export function identityPrefix(identity: FileIdentity): string {
  const hash = createHash('sha256')
    .update(`${identity.name}\0${identity.size}\0${identity.modifiedAt.getTime()}`)
    .digest('hex');
  return `${hash.slice(0, 8)}-${hash.slice(8, 12)}-${hash.slice(12, 16)}-${hash.slice(16, 20)}-`;
}

/** Last groups of `--once` job ids: `000000` and a 6-digit hex counter, 1 for the first. */
const ONCE_MARK = '000000';

/** A job id for a file: its prefix and a random last group (as random as a UUID's). */
export function randomJobIdFor(identity: FileIdentity): string {
  return `${identityPrefix(identity)}${randomUUID().slice(-12)}`;
}

/**
 * The job id of a `prepare --once` of the file: the next of its `--once` ids. Two `--once`
 * runs of one file that read the same job list compute the same id, and the store creates that
 * job once (`createJobIfAbsent`): the other run finds it and refuses.
 */
export function onceJobIdFor(identity: FileIdentity, jobs: readonly JobListEntry[]): string {
  const prefix = identityPrefix(identity);
  let last = 0;
  for (const { jobId } of jobs) {
    const group = jobId.slice(prefix.length);
    if (!jobId.startsWith(prefix) || !group.startsWith(ONCE_MARK)) continue;
    const counter = Number.parseInt(group.slice(ONCE_MARK.length), 16);
    if (Number.isSafeInteger(counter)) last = Math.max(last, counter);
  }
  return `${prefix}${ONCE_MARK}${(last + 1).toString(16).padStart(6, '0')}`;
}

/** Statuses of a job "already preparing or processing" (a stopped prepare included). */
const ACTIVE: readonly JobStatus[] = [JobStatus.CREATED, JobStatus.PROCESSING, JobStatus.PAUSED];

/** The store's jobs, newest first, whose ids say they came from this file. */
export async function jobsOfFile(
  store: DistributedStateStore,
  identity: FileIdentity,
  statuses?: readonly JobStatus[],
): Promise<JobListEntry[]> {
  if (!store.listJobs) return [];
  const prefix = identityPrefix(identity);
  const jobs = await store.listJobs(statuses === undefined ? undefined : { statuses });
  return jobs.filter((job) => job.jobId.startsWith(prefix));
}

/** The file's jobs being prepared, processed or paused. */
export function activeJobsOfFile(
  store: DistributedStateStore,
  identity: FileIdentity,
): Promise<JobListEntry[]> {
  return jobsOfFile(store, identity, ACTIVE);
}

/** True for a status in which a job is being prepared or processed (or paused meanwhile). */
export function isActive(status: JobStatus): boolean {
  return ACTIVE.includes(status);
}

/** How a job's status reads in the warning and the refusal. */
export function statusPhrase(status: JobStatus): string {
  if (status === JobStatus.CREATED) return 'being prepared (CREATED)';
  return status;
}

/** `prepare --once` found a job of the same file in the store: nothing is prepared. */
export class SameFileJobError extends BatchActionsError {
  readonly jobId: string;

  constructor(jobId: string, status: JobStatus, identity: FileIdentity) {
    super(
      'SAME_FILE_JOB',
      `job ${jobId} from the same file (${describeIdentity(identity)}) is ${statusPhrase(status)} ` +
        'in the store; --once: not preparing another',
    );
    this.jobId = jobId;
  }
}
