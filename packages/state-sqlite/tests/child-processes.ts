import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const childScript = fileURLToPath(new URL('fixtures/store-child.mjs', import.meta.url));

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The child processes import the built packages. Throws a message saying what to run when
 * `dist` is missing or older than the sources.
 */
export function assertBuilt(): void {
  const built = [
    `${packageDir}dist/index.js`,
    fileURLToPath(new URL('../../core/dist/index.js', import.meta.url)),
  ];
  for (const file of built) {
    if (!existsSync(file)) {
      throw new Error(
        `${file} is missing: the multi-process tests run child processes on the built packages. Run \`npm run build\` (or \`npm run build -w packages/core -w packages/state-sqlite\`) first.`,
      );
    }
  }
  const distTime = statSync(built[0]!).mtimeMs;
  if (newestSource(`${packageDir}src`) > distTime) {
    throw new Error(
      'packages/state-sqlite/dist is older than its src: run `npm run build -w packages/state-sqlite` first.',
    );
  }
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
