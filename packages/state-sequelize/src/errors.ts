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
