import { BatchActionsError } from '@batchactions/core';

/** The Sequelize instance uses a dialect this store has no SQL for. */
export class UnsupportedDialectError extends BatchActionsError {
  readonly dialect: string;

  constructor(dialect: string) {
    super(
      'UNSUPPORTED_DIALECT',
      `SequelizeStateStore supports the "postgres", "mariadb", "mysql" and "sqlite" dialects of Sequelize; this Sequelize instance uses "${dialect}"`,
    );
    this.dialect = dialect;
  }
}

/**
 * The tables were migrated by a newer version of `@batchactions/state-sequelize` than this one.
 * This version refuses to use them rather than write rows the newer layout does not expect.
 */
export class SchemaVersionError extends BatchActionsError {
  /** Version found in the `schema_version` table. */
  readonly foundVersion: number;
  /** Newest version this package knows. */
  readonly supportedVersion: number;

  constructor(table: string, foundVersion: number, supportedVersion: number) {
    super(
      'SCHEMA_TOO_NEW',
      `Table "${table}" says the store's tables are at version ${foundVersion}, but this @batchactions/state-sequelize only knows versions up to ${supportedVersion}; upgrade the package on this machine`,
    );
    this.foundVersion = foundVersion;
    this.supportedVersion = supportedVersion;
  }
}
