import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  BatchActionsError,
  JobNotFoundError,
  JobStatus,
  UnsupportedByStoreError,
  type DistributedStateStore,
} from '@batchactions/core';
import { readJobStatus } from '../control/job-status';
import { failedRecordReports, renderFailedRecords } from '../failed-records';
import { isControlAction, runControlAction } from './control-actions';
import { refuseControl } from './control-guard';
import type { ResolvedDashboardOptions } from './dashboard-options';
import { readFailedPage } from './failed-view';
import { sendError, sendJson, sendText } from './http-replies';
import { readJobRows } from './jobs-view';
import { readJobView } from './job-view';
import type { BatchGridReader } from './batch-grid';
import type { ThroughputHistory } from './throughput-history';

/** What every route gets. */
export interface RouteContext {
  readonly options: ResolvedDashboardOptions;
  readonly history: ThroughputHistory;
  readonly grids: BatchGridReader;
}

const JOB_STATUSES: readonly string[] = Object.values(JobStatus);
/** Longest search text (`q`) of the jobs page, as `listJobs` takes it. */
const MAX_SEARCH_LENGTH = 1000;

/** Which optional listing methods the store has: the page says what it cannot show. */
export function listingSupport(store: DistributedStateStore) {
  return {
    listJobs: typeof store.listJobs === 'function',
    listBatches: typeof store.listBatches === 'function',
    listFailedRecords: typeof store.listFailedRecords === 'function',
    listBatchesInFlight: typeof store.listBatchesInFlight === 'function',
    control: typeof store.updateJobStatus === 'function',
  };
}

function intParam(
  params: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  max: number,
) {
  const text = params.get(name);
  if (text === null || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BatchActionsError(
      'BAD_REQUEST',
      `query parameter ${name} must be an integer from ${String(min)} to ${String(max)}, got "${text}"`,
    );
  }
  return value;
}

function info(res: ServerResponse, context: RouteContext): void {
  const { options } = context;
  sendJson(res, 200, {
    refreshMs: options.refreshMs,
    staleHeartbeatMs: options.staleHeartbeatMs,
    controlEnabled: options.controlToken !== undefined,
    listing: listingSupport(options.store),
  });
}

async function jobs(res: ServerResponse, context: RouteContext, params: URLSearchParams) {
  const { store } = context.options;
  const statuses = (params.get('status') ?? '')
    .split(',')
    .filter((s) => s !== '')
    .map((s) => s.toUpperCase());
  const unknown = statuses.find((s) => !JOB_STATUSES.includes(s));
  if (unknown !== undefined) {
    throw new BatchActionsError(
      'BAD_REQUEST',
      `unknown status "${unknown}" (one of ${JOB_STATUSES.join(', ')})`,
    );
  }
  const search = params.get('q') ?? '';
  if (search.length > MAX_SEARCH_LENGTH) {
    throw new BatchActionsError(
      'BAD_REQUEST',
      `query parameter q must be at most ${String(MAX_SEARCH_LENGTH)} characters, got ${String(search.length)}`,
    );
  }
  const now = Date.now();
  const rows = await readJobRows(
    store,
    {
      statuses: statuses as JobStatus[],
      search,
      limit: intParam(params, 'limit', 200, 1, 1000),
    },
    context.history,
    now,
  );
  sendJson(res, 200, { jobs: rows, now });
}

async function batchPage(
  res: ServerResponse,
  store: DistributedStateStore,
  jobId: string,
  params: URLSearchParams,
) {
  if (!store.listBatches) throw new UnsupportedByStoreError('the batch grid', 'listBatches');
  const batches = await store.listBatches(jobId, {
    afterIndex: intParam(params, 'after', -1, -1, Number.MAX_SAFE_INTEGER),
    limit: intParam(params, 'limit', 1, 1, 500),
  });
  sendJson(res, 200, { batches });
}

async function download(
  res: ServerResponse,
  store: DistributedStateStore,
  jobId: string,
  format: 'csv' | 'ndjson',
) {
  await readJobStatus(store, jobId);
  const reports = await failedRecordReports(store, jobId);
  const text = [...renderFailedRecords(reports, format)].join('');
  const safeName = jobId.replace(/[^A-Za-z0-9._-]/g, '_');
  sendText(
    res,
    200,
    format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    text,
    { 'Content-Disposition': `attachment; filename="failed-${safeName}.${format}"` },
  );
}

async function control(
  req: IncomingMessage,
  res: ServerResponse,
  context: RouteContext,
  jobId: string,
  action: string,
) {
  const refusal = refuseControl(req, context.options.controlToken);
  if (refusal !== undefined) {
    sendError(res, 403, refusal.code, refusal.message);
    return;
  }
  if (!isControlAction(action)) {
    sendError(res, 404, 'NOT_FOUND', `no control action "${action}"`);
    return;
  }
  const { store, redriveBatchSize } = context.options;
  const before = await readJobStatus(store, jobId);
  const outcome = await runControlAction(store, jobId, action, redriveBatchSize);
  if (!outcome.done) {
    sendError(res, 409, 'WRONG_STATUS', `cannot ${action} job ${jobId}: it is ${before.status}`);
    return;
  }
  sendJson(res, 200, outcome);
}

/** The GET route for `parts` (the decoded path segments after `api/`), if any. */
function getHandler(
  res: ServerResponse,
  context: RouteContext,
  params: URLSearchParams,
  parts: readonly string[],
): (() => Promise<void>) | undefined {
  const [collection, jobId, sub, extra] = parts;
  const { store } = context.options;
  if (collection === 'info' && jobId === undefined) {
    return () => {
      info(res, context);
      return Promise.resolve();
    };
  }
  if (collection === 'jobs' && jobId === undefined) return () => jobs(res, context, params);
  if (collection !== 'jobs' || jobId === undefined || jobId === '' || extra !== undefined) {
    return undefined;
  }
  switch (sub) {
    case undefined:
      return async () => {
        const view = await readJobView(
          store,
          jobId,
          context.history,
          context.grids,
          context.options.staleHeartbeatMs,
          Date.now(),
        );
        sendJson(res, 200, view);
      };
    case 'batches':
      return () => batchPage(res, store, jobId, params);
    case 'failed':
      return async () => {
        await readJobStatus(store, jobId);
        const page = await readFailedPage(store, jobId, {
          afterIndex: intParam(params, 'after', -1, -1, Number.MAX_SAFE_INTEGER),
          limit: intParam(params, 'limit', 50, 1, 500),
          field: params.get('field') ?? '',
          code: params.get('code') ?? '',
        });
        sendJson(res, 200, page);
      };
    case 'failed.csv':
      return () => download(res, store, jobId, 'csv');
    case 'failed.ndjson':
      return () => download(res, store, jobId, 'ndjson');
    default:
      return undefined;
  }
}

/**
 * Routes a request under `api/`: `GET info`, `GET jobs`, `GET jobs/<id>`,
 * `GET jobs/<id>/batches`, `GET jobs/<id>/failed`, `GET jobs/<id>/failed.csv|.ndjson`, and
 * `POST jobs/<id>/<action>`. `path` is the part after `api/`, still URL-encoded.
 */
export async function routeApi(
  req: IncomingMessage,
  res: ServerResponse,
  context: RouteContext,
  path: string,
  params: URLSearchParams,
): Promise<void> {
  const method = req.method ?? 'GET';
  const parts = path.split('/').map((part) => decodeURIComponent(part));
  const [collection, jobId, sub, extra] = parts;
  try {
    if (method === 'POST' && collection === 'jobs' && jobId && sub && extra === undefined) {
      await control(req, res, context, jobId, sub);
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      sendError(res, 405, 'METHOD_NOT_ALLOWED', `${method} is not allowed here`);
      return;
    }
    const handler = getHandler(res, context, params, parts);
    if (handler !== undefined) {
      await handler();
      return;
    }
    sendError(res, 404, 'NOT_FOUND', `no such API path: ${path}`);
  } catch (error) {
    if (error instanceof JobNotFoundError) {
      sendError(res, 404, error.code, error.message);
    } else if (error instanceof UnsupportedByStoreError) {
      sendError(res, 501, error.code, error.message);
    } else if (error instanceof BatchActionsError && error.code === 'BAD_REQUEST') {
      sendError(res, 400, error.code, error.message);
    } else {
      throw error;
    }
  }
}
