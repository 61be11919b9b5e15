import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BatchActionsError,
  FilePathSource,
  getErrors,
  readJobProgress,
  type DistributedStateStore,
  type ProcessedRecord,
} from '@batchactions/core';
import type { Command } from 'commander';
import { DistributedImport } from '../../distributed-import';
import type { PrepareResult } from '../../prepare/prepare-job';
import { DEFAULT_DEMO_SEED, writeDemoCsv, type DemoCsvSummary } from '../demo/demo-data';
import { DEMO_SCHEMA } from '../demo/demo-schema';
import { createProgressDisplay } from '../demo/progress-display';
import { forkWorker, waitForWorkers, type WorkerProcessOutcome } from '../demo/worker-processes';
import { formatCount, formatDuration, formatMegabytes, formatRate, peakRssBytes } from '../format';
import { openStore } from '../open-store';
import { integerAtLeast } from '../option-parsers';
import { runAction } from '../run-action';
import { parseStoreUrl, STORE_URL_ENV, STORE_URL_FORMS, type StoreLocation } from '../store-url';

/** Options of `demo`, as commander parses them. */
export interface DemoCommandOptions {
  readonly rows: number;
  readonly workers: number;
  readonly batchSize: number;
  readonly store?: StoreLocation;
  readonly seed: number;
  readonly keep?: boolean;
}

/** How often the parent reads the job's progress. */
const POLL_MS = 250;

/** The demo stopped because the user interrupted it. */
export class DemoInterruptedError extends BatchActionsError {
  constructor(signal: string, jobId: string) {
    super('DEMO_INTERRUPTED', `Demo interrupted by ${signal} before job ${jobId} finished`);
  }
}

/** The built files the demo forks; running from sources is not supported. */
function builtFiles(): { cli: string; processor: string } {
  const cli = fileURLToPath(import.meta.url);
  const processor = fileURLToPath(new URL('./demo-processor.js', import.meta.url));
  if (!cli.endsWith('.js') || !existsSync(processor)) {
    throw new Error(
      `The demo runs worker processes from the built CLI, but ${processor} is missing: run \`npm run build\` first`,
    );
  }
  return { cli, processor };
}

function validationErrorLines(records: readonly ProcessedRecord[]): string[] {
  return records.slice(0, 5).map((record) => {
    // The same numbering as the failed-records export: row N is the N-th record (1-based).
    const row = record.index + 1;
    const errors = getErrors(record.errors);
    const text =
      errors.length > 0
        ? errors.map((e) => `${e.field}: ${e.message}`).join('; ')
        : (record.processingError ?? record.status);
    return `    row ${row}: ${text}`;
  });
}

interface DemoFigures {
  readonly csv: DemoCsvSummary;
  readonly prepared: PrepareResult;
  readonly prepareMs: number;
  readonly processMs: number;
  /** From the start of prepare to the first batch a worker wrote; absent if none did. */
  readonly firstRecordMs: number | undefined;
  /** From the start of prepare to the end of the last worker. */
  readonly fileToCompletedMs: number;
  readonly totalMs: number;
  readonly workers: readonly WorkerProcessOutcome[];
}

async function printSummary(
  store: DistributedStateStore,
  figures: DemoFigures,
  storeNote: string,
): Promise<void> {
  const { jobId, totalRecords } = figures.prepared;
  const [job, progress, failedRecords] = await Promise.all([
    store.getJobState(jobId),
    readJobProgress(store, jobId),
    store.getFailedRecords(jobId),
  ]);
  const workerPeak = Math.max(0, ...figures.workers.map((w) => w.report?.peakRssBytes ?? 0));
  const lines = [
    '',
    'Summary',
    `  job:                  ${jobId} (${job?.status ?? 'unknown'})`,
    `  records:              ${totalRecords}`,
    `  invalid generated:    ${figures.csv.invalidRows}`,
    `  processed:            ${progress.processedRecords}`,
    `  failed:               ${progress.failedRecords}`,
    `  first record:         ${figures.firstRecordMs === undefined ? 'none processed' : `${formatDuration(figures.firstRecordMs)} after prepare started (first batch written by a worker; early open)`}`,
    `  prepare:              ${formatDuration(figures.prepareMs)}, ${formatRate(totalRecords, figures.prepareMs)} (workers processing meanwhile)`,
    `  processing:           ${formatDuration(figures.processMs)} from the workers' start, ${formatRate(totalRecords, figures.processMs)} (${figures.workers.length} worker processes)`,
    `  file to completed:    ${formatDuration(figures.fileToCompletedMs)}, ${formatRate(totalRecords, figures.fileToCompletedMs)}`,
    `  elapsed:              ${formatDuration(figures.totalMs)} (including writing the CSV)`,
    `  peak RSS (parent):    ${formatMegabytes(peakRssBytes())}`,
    `  peak RSS (workers):   ${workerPeak > 0 ? `${formatMegabytes(workerPeak)} (largest)` : 'not reported'}`,
    `  store:                ${storeNote}`,
    `  first validation errors (${formatCount(failedRecords.length)} failed records; row N = N-th data row):`,
    ...(failedRecords.length === 0 ? ['    none'] : validationErrorLines(failedRecords)),
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

interface InterruptWatch {
  /** The first SIGINT/SIGTERM received, if any. */
  signal(): string | undefined;
  /** Called on every SIGINT/SIGTERM from now on. */
  onInterrupt(listener: (signal: NodeJS.Signals) => void): void;
  /** Runs the listeners as on a SIGTERM (the demo stops its workers itself). */
  interruptWorkers(): void;
  dispose(): void;
}

/** Catches SIGINT/SIGTERM so the demo can stop its workers cleanly instead of dying at once. */
function interruptWatch(): InterruptWatch {
  let received: string | undefined;
  const listeners: ((signal: NodeJS.Signals) => void)[] = [];
  const onSignal = (signal: NodeJS.Signals): void => {
    received ??= signal;
    for (const listener of listeners) listener(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: () => received,
    onInterrupt: (listener) => listeners.push(listener),
    interruptWorkers: () => {
      for (const listener of listeners) listener('SIGTERM');
    },
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** Forks the workers, shows progress until they all exit, and returns how they ended. */
async function processWithWorkers(
  store: DistributedStateStore,
  jobId: string,
  total: number,
  args: {
    cli: string;
    workerArgs: (workerId: string) => string[];
    /** Environment of the worker processes (the store URL, kept off their command lines). */
    workerEnv: NodeJS.ProcessEnv;
    count: number;
    interrupt: InterruptWatch;
  },
): Promise<WorkerProcessOutcome[]> {
  const started = performance.now();
  const workers = Array.from({ length: args.count }, (_, i) => {
    const workerId = `demo-worker-${i + 1}`;
    return forkWorker(args.cli, workerId, args.workerArgs(workerId), args.workerEnv);
  });
  // A terminal's Ctrl-C reaches the workers too, but a SIGTERM sent to this process alone does
  // not: pass it on, so workers finish their batches in flight and exit.
  args.interrupt.onInterrupt(() => {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGTERM');
  });
  const display = await createProgressDisplay(total);
  let polling = true;
  let pollError: Error | undefined;
  const poll = async (): Promise<void> => {
    while (polling) {
      const progress = await readJobProgress(store, jobId);
      display.update({
        done: progress.processedRecords + progress.failedRecords,
        failed: progress.failedRecords,
        elapsedMs: performance.now() - started,
      });
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };
  // Keep the failure for after the workers exited rather than leave a rejection unhandled.
  const poller = poll().catch((error: unknown) => {
    pollError = error instanceof Error ? error : new Error(String(error));
  });
  try {
    const outcomes = await waitForWorkers(workers);
    if (pollError !== undefined) throw pollError;
    return outcomes;
  } finally {
    polling = false;
    await poller;
    const progress = await readJobProgress(store, jobId);
    display.update({
      done: progress.processedRecords + progress.failedRecords,
      failed: progress.failedRecords,
      elapsedMs: performance.now() - started,
    });
    display.stop();
  }
}

/** `demo`: generates a users CSV, prepares it, processes it with worker processes, reports. */
export async function runDemo(options: DemoCommandOptions): Promise<void> {
  const files = builtFiles();
  const begun = performance.now();
  const dir = await mkdtemp(join(tmpdir(), 'batchactions-demo-'));
  const ownStore = options.store === undefined;
  const location =
    options.store ??
    parseStoreUrl(`sqlite:${join(tmpdir(), `batchactions-demo-${Date.now()}.sqlite`)}`);
  const interrupt = interruptWatch();
  try {
    const csvPath = join(dir, 'users.csv');
    const schemaPath = join(dir, 'users-schema.json');
    const csv = await writeDemoCsv(csvPath, options.rows, options.seed);
    await writeFile(schemaPath, JSON.stringify(DEMO_SCHEMA, null, 2));
    process.stdout.write(
      `Generated ${formatCount(csv.rows)} users (${csv.invalidRows} invalid rows, ${formatMegabytes(csv.bytes)}) in ${csvPath}\n` +
        `Store: ${location.url}\n`,
    );

    const opened = await openStore(location, 'create');
    try {
      const importer = new DistributedImport({
        schema: DEMO_SCHEMA,
        stateStore: opened.store,
        batchSize: options.batchSize,
      });
      // Early open: the workers start as soon as the job exists and process batches while the
      // CSV still streams into the store.
      const prepareStarted = performance.now();
      const prepareStartedAt = Date.now();
      let processStarted = prepareStarted;
      let working: Promise<WorkerProcessOutcome[]> | undefined;
      const startWorkers = (jobId: string): void => {
        processStarted = performance.now();
        process.stdout.write(
          `Opened job ${jobId} early: starting ${options.workers} worker processes while the CSV streams into the store\n`,
        );
        working = processWithWorkers(opened.store, jobId, csv.rows, {
          cli: files.cli,
          count: options.workers,
          interrupt,
          // The store URL (with its password, if any) goes by environment: a command line is
          // visible to every user of the machine (`ps`), a process's environment is not.
          workerEnv: { ...process.env, [STORE_URL_ENV]: location.raw },
          workerArgs: (workerId) => [
            'work',
            jobId,
            '--schema',
            schemaPath,
            '--processor',
            files.processor,
            '--worker-id',
            workerId,
            // The demo's workers get typed values, explicitly (off by default since issue 8).
            '--coerce-values',
            '--quiet',
          ],
        });
        // Awaited below; a failure must not be reported as unhandled meanwhile.
        working.catch(() => undefined);
      };
      let prepared: PrepareResult;
      // Loaded here: the CLI's other commands never parse (see parserFor).
      const { CsvParser } = await import('@batchactions/import');
      try {
        prepared = await importer.prepare(new FilePathSource(csvPath), new CsvParser(), {
          openEarly: true,
          onOpen: startWorkers,
        });
      } catch (error) {
        // Workers started on the job wait for batches that will not come: stop them first.
        if (working !== undefined) {
          interrupt.interruptWorkers();
          await working.catch(() => undefined);
        }
        throw error;
      }
      const prepareMs = performance.now() - prepareStarted;
      process.stdout.write(
        `\nPrepared job ${prepared.jobId}: ${formatCount(prepared.totalRecords)} records in ` +
          `${formatCount(prepared.totalBatches)} batches in ${formatDuration(prepareMs)} ` +
          `(${formatRate(prepared.totalRecords, prepareMs)}), while the workers processed\n`,
      );
      const workers = await (working as Promise<WorkerProcessOutcome[]>);
      const processMs = performance.now() - processStarted;
      const firstBatches = workers
        .map((w) => w.report?.firstBatchAt)
        .filter((at): at is number => at !== undefined);
      const firstRecordMs =
        firstBatches.length === 0 ? undefined : Math.min(...firstBatches) - prepareStartedAt;
      const signal = interrupt.signal();
      if (signal !== undefined) throw new DemoInterruptedError(signal, prepared.jobId);

      const storeNote =
        ownStore && options.keep !== true
          ? `${location.url} (temporary, removed; --keep keeps it)`
          : `${location.url} (kept: batchactions-distributed status ${prepared.jobId} --store ${location.url})`;
      await printSummary(
        opened.store,
        {
          csv,
          prepared,
          prepareMs,
          processMs,
          firstRecordMs,
          fileToCompletedMs: performance.now() - prepareStarted,
          totalMs: performance.now() - begun,
          workers,
        },
        storeNote,
      );
    } finally {
      await opened.close();
    }
  } finally {
    interrupt.dispose();
    await rm(dir, { recursive: true, force: true });
    if (ownStore && options.keep !== true && location.kind === 'sqlite') {
      for (const suffix of ['', '-wal', '-shm'])
        await rm(`${location.filename}${suffix}`, { force: true });
    }
  }
}

/** Adds the `demo` command to the program. */
export function addDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Generate a users CSV (~3% invalid rows), prepare it, process it with worker processes and print the figures.',
    )
    .option('--rows <n>', 'rows to generate', integerAtLeast(1), 200_000)
    .option('--workers <n>', 'worker processes', integerAtLeast(1), 4)
    .option('--batch-size <n>', 'records per batch', integerAtLeast(1), 500)
    .option(
      '--store <url>',
      `state store: ${STORE_URL_FORMS} (default: a temporary SQLite file)`,
      parseStoreUrl,
    )
    .option('--seed <n>', 'seed of the generated data', integerAtLeast(0), DEFAULT_DEMO_SEED)
    .option('--keep', 'keep the temporary SQLite store to inspect it with status')
    .action((options: DemoCommandOptions, command: Command) =>
      runAction(command, () => runDemo(options)),
    );
}
