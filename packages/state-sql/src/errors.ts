import { BatchActionsError } from '@batchactions/core';

/**
 * The tables were migrated by a newer version of the store's package than this one.
 * This version refuses to use them rather than write rows the newer layout does not expect.
 */
export class SchemaVersionError extends BatchActionsError {
  /** Version found in the `schema_version` table. */
  readonly foundVersion: number;
  /** Newest version this package knows. */
  readonly supportedVersion: number;

  constructor(
    table: string,
    foundVersion: number,
    supportedVersion: number,
    packageName = '@batchactions/state-sequelize',
  ) {
    super(
      'SCHEMA_TOO_NEW',
      `Table "${table}" says the store's tables are at version ${foundVersion}, but this ${packageName} only knows versions up to ${supportedVersion}; upgrade the package on this machine`,
    );
    this.foundVersion = foundVersion;
    this.supportedVersion = supportedVersion;
  }
}
