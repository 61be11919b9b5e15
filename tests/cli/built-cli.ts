import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built CLI; the tests run it as users do. */
export const CLI_PATH = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** Fails with the fix when the CLI was not built. */
export function requireBuiltCli(): void {
  if (!existsSync(CLI_PATH)) {
    throw new Error(`${CLI_PATH} is missing: run \`npm run build\` before the CLI tests`);
  }
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
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (text: string) => {
    stdout += text;
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(stdout)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  child.stderr.on('data', (text: string) => {
    stderr += text;
  });
  const done = new Promise<CliRun>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
  return {
    child,
    done,
    waitForStdout: (pattern) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(stdout)) {
          resolve();
          return;
        }
        waiters.push({ pattern, resolve });
        void done.then(() => {
          reject(
            new Error(`The CLI exited before printing ${String(pattern)}:\n${stdout}\n${stderr}`),
          );
        });
      }),
  };
}

/** Runs the CLI to the end. */
export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  return startCli(args, options).done;
}
