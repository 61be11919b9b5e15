import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { requireFreshBuild } from '../../../../tests/support/built-output';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

/** Child processes run the built packages: fail clearly when they are not built or stale. */
export function requireBuild(): void {
  requireFreshBuild('distributed', 'state-sequelize');
}

/** How a child process ended, with the JSON object it printed last (if any). */
export interface ChildEnd<Report> {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly report?: Report;
  readonly stderr: string;
}

export interface Child<Report> {
  readonly child: ChildProcess;
  readonly done: Promise<ChildEnd<Report>>;
}

/** Starts `fixtures/<script>` of this package with `env` added to this process's environment. */
export function startChild<Report>(script: string, env: Record<string, string>): Child<Report> {
  return startFixture(new URL('../fixtures/', import.meta.url), script, env);
}

/**
 * Starts the script `script` of the folder `fixtures` (a URL ending in `/`) with `env` added to
 * this process's environment, from the repository root; the Prisma store's tests start theirs
 * with it too.
 */
export function startFixture<Report>(
  fixtures: URL,
  script: string,
  env: Record<string, string>,
): Child<Report> {
  const path = fileURLToPath(new URL(script, fixtures));
  const child = spawn(process.execPath, [path], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<ChildEnd<Report>>((resolve) => {
    child.on('close', (code, signal) => {
      const last = stdout.trim().split('\n').at(-1);
      const report = last ? (JSON.parse(last) as Report) : undefined;
      resolve({ code, signal, stderr, ...(report === undefined ? {} : { report }) });
    });
  });
  return { child, done };
}

/** The reports of children that must all have exited 0. */
export function reportsOf<Report>(ends: readonly ChildEnd<Report>[]): Report[] {
  return ends.map((end) => {
    if (end.code !== 0 || end.report === undefined) {
      throw new Error(
        `child exited with ${String(end.code)} (${String(end.signal)}): ${end.stderr}`,
      );
    }
    return end.report;
  });
}
