import type { IncomingMessage, ServerResponse } from 'node:http';
import { scrubSecrets } from '../cli/format';
import { routeApi } from './api-routes';
import { BatchGridReader } from './batch-grid';
import { PAGE_HTML } from './assets/page-html';
import { PAGE_SCRIPT } from './assets/page-script';
import { PAGE_STYLE } from './assets/page-style';
import { resolveDashboardOptions, type DashboardOptions } from './dashboard-options';
import { redirect, sendError, sendText } from './http-replies';
import { ThroughputHistory } from './throughput-history';

/**
 * A request handler for Node's `http` (and Express, and Fastify's raw request and reply):
 * serves the dashboard page, its script and style, and its JSON API. `next`, when given
 * (Express), receives the errors of the store instead of a 500 answer.
 */
export type DashboardHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/** The assets, by path relative to the dashboard's root. */
const ASSETS: Readonly<Record<string, readonly [string, string]>> = {
  '': ['text/html; charset=utf-8', PAGE_HTML],
  'index.html': ['text/html; charset=utf-8', PAGE_HTML],
  'app.js': ['text/javascript; charset=utf-8', PAGE_SCRIPT],
  'app.css': ['text/css; charset=utf-8', PAGE_STYLE],
};

/** The path the framework left in `req.url` before mounting (Express keeps it in `originalUrl`). */
function originalPath(req: IncomingMessage): string {
  const original = (req as IncomingMessage & { originalUrl?: unknown }).originalUrl;
  return (typeof original === 'string' ? original : (req.url ?? '/')).split('?')[0] ?? '/';
}

/**
 * Creates the dashboard's request handler for `options.store`. Read-only unless
 * `allowControl` (with `controlToken`). Bind it to 127.0.0.1, or put it behind your own
 * authentication: anyone who reaches it sees every job and its failed rows.
 *
 * ```ts
 * import { createServer } from 'node:http';
 * createServer(createDashboard({ store })).listen(4777, '127.0.0.1');
 * ```
 *
 * @throws InvalidOptionError for a bad option, naming it.
 */
export function createDashboard(options: DashboardOptions): DashboardHandler {
  const resolved = resolveDashboardOptions(options);
  const context = {
    options: resolved,
    history: new ThroughputHistory(),
    grids: new BatchGridReader(),
  };
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    let path = url.pathname;
    if (resolved.basePath !== '' && path.startsWith(resolved.basePath)) {
      path = path.slice(resolved.basePath.length);
    }
    if (path === '') path = '/';
    if (path === '/' && !originalPath(req).endsWith('/')) {
      // The page's links are relative: its address must end with a slash.
      redirect(res, `${originalPath(req)}/${url.search}`);
      return;
    }
    const relative = path.slice(1);
    if (relative.startsWith('api/')) {
      await routeApi(req, res, context, relative.slice('api/'.length), url.searchParams);
      return;
    }
    const asset = ASSETS[relative];
    if (asset !== undefined && (req.method === 'GET' || req.method === 'HEAD')) {
      sendText(res, 200, asset[0], asset[1]);
      return;
    }
    sendError(res, 404, 'NOT_FOUND', `no such page: ${path}`);
  };
  return (req, res, next) => {
    serve(req, res).catch((error: unknown) => {
      if (next) {
        next(error);
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      // Driver messages may quote a connection string: its password never reaches the page.
      if (!res.headersSent) sendError(res, 500, 'STORE_ERROR', scrubSecrets(message));
      else res.destroy(error instanceof Error ? error : undefined);
    });
  };
}
