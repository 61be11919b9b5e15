import {
  InvalidOptionError,
  missingDistributedMethods,
  type DistributedStateStore,
} from '@batchactions/core';

/** Options of {@link createDashboard}. */
export interface DashboardOptions {
  /** The store to show: any `DistributedStateStore`, initialised. Required. */
  readonly store: DistributedStateStore;
  /**
   * Accept the control requests (pause, resume, cancel, redrive, purge). Off by default: the
   * dashboard is read-only and answers every control request with 403. Needs `controlToken`.
   * Default `false`.
   */
  readonly allowControl?: boolean;
  /**
   * The secret a control request must carry (`Authorization: Bearer <token>`), at least 16
   * characters. Required with `allowControl`; ignored without it. Default: none.
   */
  readonly controlToken?: string;
  /** How often the page asks for fresh figures, in ms (at least 250). Default `2000`. */
  readonly refreshMs?: number;
  /**
   * A batch in flight whose heartbeat is older than this is shown as stale (its worker may be
   * dead; the next worker reclaims it once the lease times out). Default `30000` ms.
   */
  readonly staleHeartbeatMs?: number;
  /**
   * A path prefix the handler is mounted under and that the framework does not strip
   * (Fastify's wildcard routes), e.g. `'/dashboard'`. Express's `app.use('/dashboard', ...)`
   * strips it itself: leave this unset there. Default `''`.
   */
  readonly basePath?: string;
  /** Records per batch of the job a redrive prepares. Default `100`. */
  readonly redriveBatchSize?: number;
}

/** The options after checking, defaults filled in. */
export interface ResolvedDashboardOptions {
  readonly store: DistributedStateStore;
  readonly controlToken: string | undefined;
  readonly refreshMs: number;
  readonly staleHeartbeatMs: number;
  readonly basePath: string;
  readonly redriveBatchSize: number;
}

/** Shortest control token accepted: a guessable token would make control a formality. */
export const MIN_TOKEN_LENGTH = 16;

function integerOption(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidOptionError(name, value, `an integer >= ${String(min)}`);
  }
  return value;
}

/**
 * Checks the options once, at construction: a bad option throws `InvalidOptionError` naming it.
 */
export function resolveDashboardOptions(options: DashboardOptions): ResolvedDashboardOptions {
  const given: unknown = options;
  if (typeof given !== 'object' || given === null) {
    throw new InvalidOptionError('options', options, 'an object { store, ... }');
  }
  const store: unknown = options.store;
  const missing = missingDistributedMethods(store);
  if (missing.length > 0) {
    throw new InvalidOptionError(
      'store',
      typeof store === 'object' && store !== null ? `(lacking ${missing.join(', ')})` : store,
      'a DistributedStateStore (every method of the published port)',
    );
  }
  if (options.allowControl !== undefined && typeof options.allowControl !== 'boolean') {
    throw new InvalidOptionError('allowControl', options.allowControl, 'a boolean');
  }
  let controlToken: string | undefined;
  if (options.allowControl === true) {
    const token: unknown = options.controlToken;
    if (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH) {
      throw new InvalidOptionError(
        'controlToken',
        typeof token === 'string' ? `(${String(token.length)} characters)` : token,
        `a string of at least ${String(MIN_TOKEN_LENGTH)} characters (allowControl needs it)`,
      );
    }
    controlToken = token;
  }
  const basePath = options.basePath ?? '';
  if (typeof basePath !== 'string' || (basePath !== '' && !/^\/[^?#]*[^/?#]$/.test(basePath))) {
    throw new InvalidOptionError('basePath', basePath, "'' or a path like '/dashboard'");
  }
  return {
    store: options.store,
    controlToken,
    refreshMs: integerOption('refreshMs', options.refreshMs, 2000, 250),
    staleHeartbeatMs: integerOption('staleHeartbeatMs', options.staleHeartbeatMs, 30_000, 1),
    basePath,
    redriveBatchSize: integerOption('redriveBatchSize', options.redriveBatchSize, 100, 1),
  };
}
