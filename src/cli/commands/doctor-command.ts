import { existsSync, statSync } from 'node:fs';
import type { DistributedStateStore, JobListEntry } from '@batchactions/core';
import type { Command } from 'commander';
import { formatCount, formatDuration, formatMegabytes } from '../format';
import { createStore, explain } from '../open-store';
import { integerAtLeast } from '../option-parsers';
import { runAction } from '../run-action';
import { storeOption, type StoreLocation } from '../store-url';
import { sqliteFileBytes } from './control-commands';

/** Exit code of `doctor` when the store is not healthy. */
export const DOCTOR_UNHEALTHY_EXIT_CODE = 1;

/** Options of `doctor`, as commander parses them. */
export interface DoctorCommandOptions {
  readonly store: StoreLocation;
  readonly prepareTimeout: number;
  readonly json?: boolean;
}

/** What `doctor` found; `--json` prints it as it is. */
export interface DoctorReport {
  /** The store URL, password and query values hidden. */
  readonly store: string;
  /** False when one of `problems` is set: the CLI exits with code 1. */
  readonly healthy: boolean;
  /** One line each: why the store is not usable. */
  readonly problems: readonly string[];
  /** One line each: worth knowing, not a failure. */
  readonly notes: readonly string[];
  /** The schema version the store holds; absent when it could not be read. */
  readonly schemaVersion?: number;
  /** The schema version this version of the package writes. */
  readonly expectedSchemaVersion?: number;
  /** Jobs by status; absent when they could not be counted. */
  readonly jobs?: Readonly<Record<string, number>>;
  /** Jobs whose prepare heartbeat is older than `--prepare-timeout` (their process died). */
  readonly abandonedPrepares?: number;
  /** SQLite: bytes of the file and its WAL. */
  readonly fileBytes?: number;
}

interface SchemaReader {
  readSchemaVersion(): Promise<{ readonly current: number; readonly expected: number }>;
}

function readsSchemaVersion(store: unknown): store is SchemaReader {
  return typeof (store as Partial<SchemaReader>).readSchemaVersion === 'function';
}

/** Jobs by status, and how many prepares were abandoned. */
function countJobs(
  entries: readonly JobListEntry[],
  prepareTimeoutMs: number,
): { jobs: Record<string, number>; abandonedPrepares: number } {
  const jobs: Record<string, number> = {};
  let abandonedPrepares = 0;
  for (const entry of entries) {
    jobs[entry.status] = (jobs[entry.status] ?? 0) + 1;
    const age = entry.prepareHeartbeatAgeMs;
    if (age !== undefined && age > prepareTimeoutMs) abandonedPrepares += 1;
  }
  return { jobs, abandonedPrepares };
}

/**
 * Checks a store without changing it: it can be reached, its schema version is the one this
 * version writes (older: the next `prepare` or `work` migrates it; newer: this version cannot
 * use it), and how many jobs it holds by status.
 */
export async function diagnose(
  location: StoreLocation,
  prepareTimeoutMs: number,
): Promise<DoctorReport> {
  const problems: string[] = [];
  const notes: string[] = [];
  const report = (extra: Partial<DoctorReport> = {}): DoctorReport => ({
    store: location.url,
    healthy: problems.length === 0,
    problems,
    notes,
    ...extra,
  });
  let fileBytes: number | undefined;
  if (location.kind === 'sqlite') {
    if (!existsSync(location.filename)) {
      problems.push(`no such database file ${location.filename}`);
      return report();
    }
    if (!statSync(location.filename).isFile()) {
      problems.push(`${location.filename} is not a file`);
      return report();
    }
    fileBytes = sqliteFileBytes(location.filename);
  }
  const sized = fileBytes === undefined ? {} : { fileBytes };
  let store: Awaited<ReturnType<typeof createStore>>;
  try {
    store = await createStore(location);
  } catch (error) {
    problems.push(`cannot open the store: ${explain(location, error)}`);
    return report(sized);
  }
  try {
    if (!readsSchemaVersion(store)) {
      problems.push('this store cannot report its schema version');
      return report(sized);
    }
    let version: { current: number; expected: number };
    try {
      version = await store.readSchemaVersion();
    } catch (error) {
      problems.push(`cannot connect: ${explain(location, error)}`);
      return report(sized);
    }
    const versions = {
      schemaVersion: version.current,
      expectedSchemaVersion: version.expected,
      ...sized,
    };
    if (version.current === 0) {
      problems.push(
        location.kind === 'sqlite'
          ? `${location.filename} holds no batchactions store (prepare creates one)`
          : `schema "${location.schema ?? 'batchactions'}" holds no batchactions store (prepare creates one)`,
      );
      return report(versions);
    }
    if (version.current > version.expected) {
      problems.push(
        `schema version ${version.current} is newer than ${version.expected}, the one this version writes: upgrade @batchactions/distributed and the store package`,
      );
      return report(versions);
    }
    if (version.current < version.expected) {
      notes.push(
        `schema version ${version.current} is older than ${version.expected}: the next prepare or work migrates it (jobs not counted until then)`,
      );
      return report(versions);
    }
    await store.initialize();
    const counts = countJobs(await listAll(store), prepareTimeoutMs);
    if (counts.abandonedPrepares > 0) {
      notes.push(
        `${counts.abandonedPrepares} job(s) with a prepare heartbeat older than ${formatDuration(prepareTimeoutMs)}: ` +
          'their prepare died; resume them (prepare --resume) or purge them (list shows which)',
      );
    }
    return report({ ...versions, ...counts });
  } catch (error) {
    problems.push(explain(location, error));
    return report(sized);
  } finally {
    await store.close();
  }
}

async function listAll(store: DistributedStateStore): Promise<readonly JobListEntry[]> {
  if (!store.listJobs) throw new Error('this store cannot list its jobs (no listJobs)');
  return store.listJobs();
}

/** The human-readable report: one line per finding, then `healthy` or `unhealthy: …`. */
export function doctorText(report: DoctorReport): string {
  const lines = [`store ${report.store}`];
  if (report.fileBytes !== undefined) lines.push(`  file     ${formatMegabytes(report.fileBytes)}`);
  if (report.schemaVersion !== undefined) {
    const same = report.schemaVersion === report.expectedSchemaVersion;
    lines.push(
      `  schema   version ${report.schemaVersion}${same ? ' (current)' : `, this version writes ${String(report.expectedSchemaVersion)}`}`,
    );
  }
  if (report.jobs !== undefined) {
    const entries = Object.entries(report.jobs).sort(([a], [b]) => a.localeCompare(b));
    const total = entries.reduce((sum, [, n]) => sum + n, 0);
    const byStatus = entries.map(([status, n]) => `${formatCount(n)} ${status}`).join(', ');
    lines.push(`  jobs     ${formatCount(total)}${total === 0 ? '' : `: ${byStatus}`}`);
  }
  for (const note of report.notes) lines.push(`  note     ${note}`);
  lines.push(
    report.healthy
      ? 'healthy'
      : report.problems.map((problem) => `unhealthy: ${problem}`).join('\n'),
  );
  return `${lines.join('\n')}\n`;
}

/** `doctor`: checks a store and exits with code 1 when it is not healthy. */
export async function runDoctor(options: DoctorCommandOptions): Promise<void> {
  const report = await diagnose(options.store, options.prepareTimeout);
  process.stdout.write(options.json === true ? `${JSON.stringify(report)}\n` : doctorText(report));
  if (!report.healthy) process.exitCode = DOCTOR_UNHEALTHY_EXIT_CODE;
}

/** Adds the `doctor` command to the program. */
export function addDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      "Check a store without changing it: reachable, schema version against this version's, jobs by status. Exit code 1 when unhealthy, with one line per reason.",
    )
    .addOption(storeOption({ required: true }))
    .option(
      '--prepare-timeout <ms>',
      'count a job being prepared as abandoned when its prepare heartbeat is older than this',
      integerAtLeast(1),
      30_000,
    )
    .option(
      '--json',
      'print {store, healthy, problems, notes, schemaVersion?, expectedSchemaVersion?, jobs?, abandonedPrepares?, fileBytes?}',
    )
    .action((options: DoctorCommandOptions, command: Command) =>
      runAction(command, () => runDoctor(options)),
    );
}
