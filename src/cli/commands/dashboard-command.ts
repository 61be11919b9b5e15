import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { MIN_TOKEN_LENGTH } from '../../dashboard/dashboard-options';
import { startDashboardServer } from '../../dashboard/dashboard-server';
import { CliUsageError } from '../cli-errors';
import { withStore } from '../open-store';
import { integerAtLeast, nonEmpty } from '../option-parsers';
import { runAction } from '../run-action';
import { storeOption, type StoreLocation } from '../store-url';

/** The environment variable the control token is read from (keeps it off command lines). */
export const DASHBOARD_TOKEN_ENV = 'BATCHACTIONS_DASHBOARD_TOKEN';

/** Options of `dashboard`, as commander parses them. */
export interface DashboardCommandOptions {
  readonly store: StoreLocation;
  readonly port: number;
  readonly host: string;
  readonly allowControl?: boolean;
  readonly refresh: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** The control token: from the environment, or a new random one printed once. */
function controlToken(): { token: string; generated: boolean } {
  const given = process.env[DASHBOARD_TOKEN_ENV];
  if (given !== undefined && given !== '') {
    if (given.length < MIN_TOKEN_LENGTH) {
      throw new CliUsageError(
        `${DASHBOARD_TOKEN_ENV} must hold at least ${String(MIN_TOKEN_LENGTH)} characters`,
      );
    }
    return { token: given, generated: false };
  }
  return { token: randomBytes(24).toString('base64url'), generated: true };
}

/** Resolves on SIGINT or SIGTERM. */
function interrupted(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** `dashboard`: serves the dashboard until Ctrl-C. */
export async function runDashboard(options: DashboardCommandOptions): Promise<void> {
  const control = options.allowControl === true ? controlToken() : undefined;
  await withStore(options.store, 'existing', async ({ store }) => {
    const server = await startDashboardServer({
      store,
      port: options.port,
      host: options.host,
      refreshMs: options.refresh,
      ...(control ? { allowControl: true, controlToken: control.token } : {}),
    });
    const out = process.stdout;
    out.write(`dashboard of ${options.store.url} at ${server.url}\n`);
    out.write(
      LOOPBACK.has(options.host)
        ? `listening on ${options.host} only: open it on this machine (use an SSH tunnel from another)\n`
        : `listening on ${options.host}: anyone who can reach this address sees every job and its failed rows; put it behind your own authentication\n`,
    );
    if (control === undefined) {
      out.write('read-only: pause, resume, cancel, redrive and purge are off (--allow-control)\n');
    } else if (control.generated) {
      out.write(
        `control on; token (type it into the page; set ${DASHBOARD_TOKEN_ENV} to choose it): ${control.token}\n`,
      );
    } else {
      out.write(`control on; token from ${DASHBOARD_TOKEN_ENV}\n`);
    }
    out.write('Ctrl-C stops it\n');
    await interrupted();
    await server.close();
  });
}

/** Adds the `dashboard` command to the program. */
export function addDashboardCommand(program: Command): void {
  program
    .command('dashboard')
    .description(
      'Serve a live web page of every job: status, phase, progress, rate, ETA, workers; per job a batch grid, the batches in flight and the failed records with CSV/NDJSON download. Read-only and bound to 127.0.0.1 unless told otherwise.',
    )
    .addOption(storeOption({ required: true }))
    .option('--port <port>', 'TCP port to listen on (0: any free port)', integerAtLeast(0), 4777)
    .option(
      '--host <address>',
      'interface to bind; 127.0.0.1 keeps the page on this machine (bind another only behind your own authentication)',
      nonEmpty,
      '127.0.0.1',
    )
    .option(
      '--allow-control',
      `accept pause, resume, cancel, redrive and purge from the page, with the token in ${DASHBOARD_TOKEN_ENV} (a random one is made and printed when it is unset)`,
    )
    .option('--refresh <ms>', 'how often the page refreshes', integerAtLeast(250), 2000)
    .action((options: DashboardCommandOptions, command: Command) =>
      runAction(command, () => runDashboard(options)),
    );
}
