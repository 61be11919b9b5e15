import { BatchActionsError } from '@batchactions/core';

/** The client was generated for a database the store has no SQL for. */
export class UnsupportedProviderError extends BatchActionsError {
  /** The client's provider (`sqlserver`, `cockroachdb`, `mongodb`, ...), or `undefined`. */
  readonly provider: string | undefined;

  constructor(provider: string | undefined) {
    super(
      'UNSUPPORTED_PROVIDER',
      provider === undefined
        ? 'PrismaStateStore could not tell the database of this Prisma client; pass options.provider ("postgresql", "mysql" or "sqlite")'
        : `PrismaStateStore supports the "postgresql", "mysql" (also MariaDB) and "sqlite" providers of Prisma; this client was generated for "${provider}"`,
    );
    this.provider = provider;
  }
}
