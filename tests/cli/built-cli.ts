import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';
import { requireFreshBuild } from '../support/built-output';

/** The built CLI; the tests run it as users do. */
export const CLI_PATH = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** Fails with the fix when the CLI (and the packages it loads) was not built, or is stale. */
export function requireBuiltCli(): void {
  requireFreshBuild('distributed', 'state-postgres', 'state-sqlite');
}

/** How a CLI run ended. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running CLI process, with its output so far. */
export interface RunningCli {
  readonly child: ChildProcess;
  readonly done: Promise<CliRun>;
  /** Resolves when stdout has printed text matching `pattern`. */
  waitForStdout(pattern: RegExp): Promise<void>;
  /** Resolves when stderr has printed text matching `pattern`. */
  waitForStderr(pattern: RegExp): Promise<void>;
  /** What stdout printed so far. */
  stdoutSoFar(): string;
}

/** Starts `node dist/cli/main.js ...args` (stdin closed, so stdout is not a terminal). */
export function startCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): RunningCli {
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  type Stream = keyof typeof output;
  const waiters: { stream: Stream; pattern: RegExp; resolve: () => void }[] = [];
  const onData = (stream: Stream) => (text: string) => {
    output[stream] += text;
    for (const waiter of [...waiters]) {
      if (waiter.stream === stream && waiter.pattern.test(output[stream])) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', onData('stdout'));
  child.stderr.on('data', onData('stderr'));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      resolve({ code, stdout: output.stdout, stderr: output.stderr });
    });
  });
  const waitFor = (stream: Stream, pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      if (pattern.test(output[stream])) {
        resolve();
        return;
      }
      waiters.push({ stream, pattern, resolve });
      void done.then(() => {
        reject(
          new Error(
            `The CLI exited before printing ${String(pattern)} on ${stream}:\n${output.stdout}\n${output.stderr}`,
          ),
        );
      });
    });
  return {
    child,
    done,
    waitForStdout: (pattern) => waitFor('stdout', pattern),
    waitForStderr: (pattern) => waitFor('stderr', pattern),
    stdoutSoFar: () => output.stdout,
  };
}

/** Runs the CLI to the end. */
export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  return startCli(args, options).done;
}

/** Runs the CLI, expects exit code 0 (showing stderr otherwise) and returns stdout. */
export async function runCliOk(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  const run = await runCli(args, options);
  expect(run.code, run.stderr).toBe(0);
  return run.stdout;
}

/** What `prepare --json` prints. */
export interface PreparedJson {
  readonly jobId: string;
  readonly totalRecords: number;
  readonly totalBatches: number;
}

/** `prepare <file> --schema --store [--batch-size] --json`. */
export async function prepareJson(options: {
  file: string;
  schema: string;
  store: string;
  batchSize?: number;
}): Promise<PreparedJson> {
  const { file, schema, store, batchSize } = options;
  const sizeArgs = batchSize === undefined ? [] : ['--batch-size', String(batchSize)];
  const stdout = await runCliOk([
    'prepare',
    file,
    '--schema',
    schema,
    '--store',
    store,
    ...sizeArgs,
    '--json',
  ]);
  return JSON.parse(stdout) as PreparedJson;
}

/** The arguments of one `work` run. */
export function workArgs(options: {
  jobId: string;
  store: string;
  schema: string;
  processor: string;
  workerId?: string;
  quiet?: boolean;
  /** More options, e.g. `['--stop-when-paused']`. */
  extra?: readonly string[];
}): string[] {
  const { jobId, store, schema, processor, workerId, quiet, extra = [] } = options;
  return [
    'work',
    jobId,
    ...['--store', store, '--schema', schema, '--processor', processor],
    ...(workerId === undefined ? [] : ['--worker-id', workerId]),
    ...(quiet === true ? ['--quiet'] : []),
    ...extra,
  ];
}

/** What `status --json` prints. */
export interface StatusJson {
  jobId: string;
  status: string;
  progress: {
    totalRecords: number;
    processedRecords: number;
    failedRecords: number;
    pendingRecords: number;
  };
  batches: {
    totalBatches: number;
    pendingBatches: number;
    processingBatches: number;
    completedBatches: number;
    failedBatches: number;
    isComplete: boolean;
  };
  inFlight?: {
    batchId: string;
    batchIndex: number;
    workerId: string;
    attempt: number;
    heartbeatAgeMs: number;
  }[];
}

/** `status <jobId> --store --json`. */
export async function statusJson(jobId: string, store: string): Promise<StatusJson> {
  return JSON.parse(await runCliOk(['status', jobId, '--store', store, '--json'])) as StatusJson;
}

/** The files a CLI test works on, in a temporary directory of its own. */
export interface CliWorkspace {
  readonly dir: string;
  /** `id,email` CSV: row `i` (1-based) holds id `i` and `emails[i - 1]` as written. */
  readonly csv: string;
  /** Schema file: `id` (number) and `email` (email), both required. */
  readonly schema: string;
  /** Processor module that does nothing. */
  readonly processor: string;
  /** `sqlite:` URL of a state file in `dir` (not created yet). */
  readonly store: string;
}

/** Writes a {@link CliWorkspace} whose CSV has one row per entry of `emails` (CSV-encoded cells). */
export async function cliWorkspace(
  prefix: string,
  emails: readonly string[],
): Promise<CliWorkspace> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const workspace = {
    dir,
    csv: join(dir, 'users.csv'),
    schema: join(dir, 'schema.json'),
    processor: join(dir, 'processor.mjs'),
    store: `sqlite:${join(dir, 'state.sqlite')}`,
  };
  const lines = ['id,email', ...emails.map((email, i) => `${String(i + 1)},${email}`)];
  await writeFile(workspace.csv, `${lines.join('\n')}\n`);
  await writeFile(
    workspace.schema,
    JSON.stringify({
      fields: [
        { name: 'id', type: 'number', required: true },
        { name: 'email', type: 'email', required: true },
      ],
    }),
  );
  await writeFile(workspace.processor, 'export default function processor() {}\n');
  return workspace;
}

/**
 * The {@link CliWorkspace} of a test file (`await` it at the top of the file): made at once,
 * removed after the file's tests, which first check that the CLI was built.
 */
export async function fileCliWorkspace(
  prefix: string,
  emails: readonly string[],
): Promise<CliWorkspace> {
  beforeAll(() => {
    requireBuiltCli();
  });
  const workspace = await cliWorkspace(prefix, emails);
  afterAll(() => rm(workspace.dir, { recursive: true, force: true }));
  return workspace;
}
