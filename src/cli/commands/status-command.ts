import { limitsLine } from '../limit-text';
import { setTimeout as sleep } from 'node:timers/promises';
import { isTerminalJobStatus } from '@batchactions/core';
import { readJobStatus, type JobStatusReport, type PrepareState } from '../../control/job-status';
import { RecentRateMeter, type RecentRate } from '../../control/recent-rate';
import type { Command } from 'commander';
import { formatCount, formatDuration } from '../format';
import { withStore } from '../open-store';
import { integerAtLeast, nonEmpty } from '../option-parsers';
import { runAction } from '../run-action';
import { storeOption, type StoreLocation } from '../store-url';

/** Options of `status`, as commander parses them. */
export interface StatusCommandOptions {
  readonly store: StoreLocation;
  readonly watch?: boolean;
  readonly interval: number;
  readonly prepareTimeout: number;
  readonly json?: boolean;
}

/**
 * The `prepare` line of a job being prepared: running, stopped before the end (waits for a
 * resume), or abandoned by a process that died.
 */
export function prepareLine(prepare: PrepareState, jobId: string): string {
  const early = prepare.openEarly
    ? ' (opened early: workers claim batches as they are stored)'
    : '';
  const resume = `batchactions-distributed prepare <file> --resume ${jobId} ...`;
  if (prepare.state === 'stopped') {
    return `prepare stopped before the end${early}; go on with ${resume}`;
  }
  const age = formatDuration(prepare.heartbeatAgeMs ?? 0);
  return prepare.state === 'running'
    ? `preparing, last heartbeat ${age} ago${early}`
    : `prepare abandoned, last heartbeat ${age} ago: the preparing process died; go on with ${resume}, or purge the job`;
}

/** The `phase` line: what the job is doing, how many workers hold a batch, what to do next. */
export function phaseLine(report: JobStatusReport): string {
  const workers =
    report.activeWorkers === undefined
      ? ''
      : `, ${formatCount(report.activeWorkers)} worker${report.activeWorkers === 1 ? '' : 's'} active`;
  switch (report.phase) {
    case 'preparing':
      if (report.prepare?.state === 'abandoned') {
        return 'preparing, abandoned: the preparing process died (see the prepare line above)';
      }
      if (report.prepare?.state === 'stopped') {
        return 'preparing, stopped: resume the prepare (see the prepare line above)';
      }
      return 'preparing: workers can claim batches once prepare has stored every record';
    case 'waiting-for-workers':
      return (
        `waiting for workers: batches are pending and no worker holds one; start workers with ` +
        `batchactions-distributed work ${report.jobId} --processor <module> --schema <file> --store <url>`
      );
    case 'processing':
      return `processing${workers}`;
    case 'paused':
      return `paused${workers}: workers claim nothing until resume`;
    case 'finished':
      return 'finished';
  }
}

/** The `rate` line of `--watch`: records/s over the recent window and the ETA at that rate. */
function rateLine(rate: RecentRate): string {
  const eta =
    rate.estimatedRemainingMs === undefined
      ? ''
      : `, ETA ${formatDuration(rate.estimatedRemainingMs)}`;
  return `${formatCount(rate.recordsPerSecond)} records/s over the last ${formatDuration(rate.overMs)}${eta}`;
}

/** How long `status` waits to look again before saying that no worker holds a batch. */
export const STATUS_IDLE_CHECK_MS = 250;

/**
 * The `elapsed` line: time since the job's prepare started (`createdAt`, stored), up to its
 * end for a finished job. Stores that do not record `createdAt` (or jobs stored before they
 * did) give the store's `elapsedMs`, counted from when the job opened, and say so.
 */
export function elapsedLine(report: JobStatusReport, now: number): string {
  if (report.createdAt === undefined) {
    return `${formatDuration(report.progress.elapsedMs)} since the job opened (this store does not record when prepare started)`;
  }
  const end = report.phase === 'finished' ? (report.completedAt ?? now) : now;
  return `${formatDuration(Math.max(0, end - report.createdAt))} since prepare started`;
}

/** The human-readable `status` text of a report, `now` (epoch ms) being the time of the print. */
export function humanReport(
  report: JobStatusReport,
  rate: RecentRate | undefined,
  now: number = Date.now(),
): string {
  const { progress: p, batches: b } = report;
  const measuring =
    rate !== undefined && report.phase !== 'finished' && report.phase !== 'preparing';
  return [
    `job ${report.jobId}: ${report.status}`,
    ...(report.prepare ? [`  prepare  ${prepareLine(report.prepare, report.jobId)}`] : []),
    `  phase    ${phaseLine(report)}`,
    `  records  ${formatCount(p.processedRecords + p.failedRecords)}/${formatCount(p.totalRecords)} (${p.percentage.toFixed(1)}%): ` +
      `${formatCount(p.processedRecords)} processed, ${formatCount(p.failedRecords)} failed, ${formatCount(p.pendingRecords)} pending`,
    `  batches  ${formatCount(b.totalBatches)} total: ${formatCount(b.pendingBatches)} pending, ${formatCount(b.processingBatches)} processing, ` +
      `${formatCount(b.completedBatches)} completed, ${formatCount(b.failedBatches)} failed`,
    `  elapsed  ${elapsedLine(report, now)}`,
    ...(measuring ? [`  rate     ${rateLine(rate)}`] : []),
    ...(report.limits ? [`  limits   ${limitsLine(report.limits, now)}`] : []),
    ...inFlightLines(report),
    '',
  ].join('\n');
}

/** One line per batch a worker holds: which, who, which attempt, how fresh its heartbeat is. */
function inFlightLines(report: JobStatusReport): string[] {
  if (!report.inFlight || report.inFlight.length === 0) return [];
  return [
    `  in flight (${formatCount(report.inFlight.length)}):`,
    ...report.inFlight.map(
      (b) =>
        `    batch ${b.batchIndex}  worker ${b.workerId}  attempt ${b.attempt}  heartbeat ${formatDuration(b.heartbeatAgeMs)} ago`,
    ),
  ];
}

function print(report: JobStatusReport, json: boolean, rate?: RecentRate): void {
  process.stdout.write(
    json
      ? `${JSON.stringify(rate === undefined ? report : { ...report, recentRate: rate })}\n`
      : humanReport(report, rate),
  );
}

/** Feeds a reading to the meter; records done are processed + failed. */
function measure(meter: RecentRateMeter, report: JobStatusReport): RecentRate | undefined {
  const { processedRecords, failedRecords, pendingRecords } = report.progress;
  return meter.add(performance.now(), processedRecords + failedRecords, pendingRecords);
}

/** Resolves when SIGINT or SIGTERM arrives, for ending `--watch`. */
function untilInterrupted(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (): void => {
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** `status <jobId>`: prints the job's status once, or until it ends with `--watch`. */
export async function showStatus(jobId: string, options: StatusCommandOptions): Promise<void> {
  const json = options.json === true;
  await withStore(options.store, 'existing', async ({ store }) => {
    const read = () =>
      readJobStatus(store, jobId, {
        prepareTimeoutMs: options.prepareTimeout,
        idleCheckMs: STATUS_IDLE_CHECK_MS,
      });
    let report = await read();
    const meter = new RecentRateMeter();
    measure(meter, report);
    print(report, json);
    if (options.watch !== true) return;
    const interrupt = untilInterrupted();
    const interrupted = (): boolean => interrupt.signal.aborted;
    try {
      while (!isTerminalJobStatus(report.status) && !interrupted()) {
        await sleep(options.interval, undefined, { signal: interrupt.signal }).catch(
          (error: unknown) => {
            // Ctrl-C ends the watch; anything else is a real failure.
            if (!interrupted()) throw error;
          },
        );
        if (interrupted()) break;
        report = await read();
        print(report, json, measure(meter, report));
      }
    } finally {
      interrupt.dispose();
    }
  });
}

/** Adds the `status` command to the program. */
export function addStatusCommand(program: Command): void {
  program
    .command('status')
    .description(
      "Print a job's status and phase, record progress, batch counts and the batches in flight (worker, attempt, heartbeat age); with --watch, the rate over the last 30 s and the ETA.",
    )
    .argument('<jobId>', 'job id printed by prepare', nonEmpty)
    .addOption(storeOption({ required: true }))
    .option('--watch', 'print again every --interval until the job ends (Ctrl-C stops)')
    .option(
      '--interval <ms>',
      'milliseconds between two prints with --watch',
      integerAtLeast(100),
      1000,
    )
    .option(
      '--prepare-timeout <ms>',
      'report a job being prepared as abandoned when its prepare heartbeat is older than this',
      integerAtLeast(1),
      30_000,
    )
    .option(
      '--json',
      'print JSON: {jobId, status, phase, activeWorkers, progress, batches, inFlight, prepare?, summary?, createdAt?, completedAt?, recentRate?} (one line per print)',
    )
    .action((jobId: string, options: StatusCommandOptions, command: Command) =>
      runAction(command, () => showStatus(jobId, options), jobId),
    );
}
