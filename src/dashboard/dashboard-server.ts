import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDashboard, type DashboardHandler } from './create-dashboard';
import type { DashboardOptions } from './dashboard-options';
import { sendError } from './http-replies';

/** Options of {@link startDashboardServer}: the dashboard's, and where to listen. */
export interface DashboardServerOptions extends DashboardOptions {
  /** TCP port; `0` picks a free one. Default `4777`. */
  readonly port?: number;
  /**
   * Interface to bind. Default `'127.0.0.1'`: only this machine can open the dashboard. Bind
   * another address only behind your own authentication (a reverse proxy).
   */
  readonly host?: string;
}

/** A running dashboard server. */
export interface DashboardServer {
  /** The address to open, e.g. `http://127.0.0.1:4777/`. */
  readonly url: string;
  readonly server: Server;
  /** Stops accepting connections and closes the open ones. */
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The host name of a `Host` header, without the port. */
function hostName(req: IncomingMessage): string {
  const host = req.headers.host ?? '';
  const bracket = /^\[([^\]]+)\]/.exec(host);
  if (bracket?.[1] !== undefined) return `[${bracket[1]}]`;
  return host.split(':')[0] ?? '';
}

/**
 * A dashboard bound to a loopback address answers only requests addressed to a loopback name:
 * a web page elsewhere cannot reach it through DNS rebinding (a name of its own resolving to
 * 127.0.0.1), whose requests carry that other name.
 */
function guardLoopback(handler: DashboardHandler, host: string): DashboardHandler {
  if (!LOOPBACK_HOSTS.has(host)) return handler;
  return (req, res, next) => {
    if (!LOOPBACK_HOSTS.has(hostName(req))) {
      sendError(res, 421, 'WRONG_HOST', 'this dashboard answers only at a loopback address');
      return;
    }
    handler(req, res, next);
  };
}

/**
 * Starts the dashboard on Node's `http` (what the CLI's `dashboard` command runs). Resolves
 * once it listens.
 */
export async function startDashboardServer(
  options: DashboardServerOptions,
): Promise<DashboardServer> {
  const { port = 4777, host = '127.0.0.1', ...dashboard } = options;
  const handler = guardLoopback(createDashboard(dashboard), host);
  const server = createServer((req, res) => {
    handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${String(address.port)}/`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
        server.closeAllConnections();
      }),
  };
}
