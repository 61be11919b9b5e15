import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { requireFreshBuild } from '../../../tests/support/built-output';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const childScript = fileURLToPath(new URL('fixtures/store-child.mjs', import.meta.url));

/** The child processes import the built packages: fails clearly when they are missing or stale. */
export function assertBuilt(): void {
  requireFreshBuild('core', 'state-sqlite');
}

/** A running child: resolves `ready` once it printed "ready", `result` with its JSON line. */
export interface StoreChild {
  readonly process: ChildProcessWithoutNullStreams;
  readonly ready: Promise<void>;
  readonly result: Promise<unknown>;
  go(): void;
}

/** Starts `fixtures/store-child.mjs` with `args`. */
export function startChild(args: readonly string[]): StoreChild {
  const child = spawn(process.execPath, [childScript, ...args], { cwd: packageDir });
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (stdout.startsWith('ready\n')) markReady();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const result = new Promise<unknown>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = stdout.split('\n')[1] ?? '';
      if (code !== 0 || line === '') {
        reject(new Error(`child ${args.join(' ')} exited with ${code}: ${stderr || stdout}`));
      } else {
        resolve(JSON.parse(line));
      }
    });
  });
  // A child that dies before "ready" must not leave `ready` pending.
  const readyOrExit = Promise.race([ready, result.then(() => undefined)]);
  return {
    process: child,
    ready: readyOrExit,
    result,
    go: () => child.stdin.end('go\n'),
  };
}
