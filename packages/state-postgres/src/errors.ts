import { BatchActionsError } from '@batchactions/core';

/**
 * The schema was migrated by a newer version of `@batchactions/state-postgres` than this one.
 * This version refuses to use it rather than write rows the newer layout does not expect.
 */
export class SchemaVersionError extends BatchActionsError {
  readonly schema: string;
  /** Version found in the schema's `schema_migrations` table. */
  readonly foundVersion: number;
  /** Newest version this package knows. */
  readonly supportedVersion: number;

  constructor(schema: string, foundVersion: number, supportedVersion: number) {
    super(
      'SCHEMA_TOO_NEW',
      `Schema "${schema}" is at version ${foundVersion}, but this @batchactions/state-postgres only knows versions up to ${supportedVersion}; upgrade the package on this machine`,
    );
    this.schema = schema;
    this.foundVersion = foundVersion;
    this.supportedVersion = supportedVersion;
  }
}

/** A query found no table: the schema was never created. `await store.initialize()` creates it. */
export class SchemaNotInitializedError extends BatchActionsError {
  readonly schema: string;

  constructor(schema: string, cause: unknown) {
    super(
      'SCHEMA_NOT_INITIALIZED',
      `The tables of schema "${schema}" do not exist; call "await store.initialize()" once before using the PostgresStateStore`,
      { cause },
    );
    this.schema = schema;
  }
}
