import type {
  SqlConnection,
  SqlExecutor,
  SqlFamily,
  SqlTransactionOptions,
} from '@batchactions/state-sql';
import { QueryTypes, Transaction, type Sequelize } from 'sequelize';
import { UnsupportedDialectError } from './errors';

/** The SQL family of a Sequelize dialect: `mysql` covers Sequelize's `mysql` and `mariadb`. */
export function familyOf(sequelize: Sequelize): SqlFamily {
  const dialect = sequelize.getDialect();
  if (dialect === 'postgres') return 'postgres';
  if (dialect === 'mysql' || dialect === 'mariadb') return 'mysql';
  if (dialect === 'sqlite') return 'sqlite';
  throw new UnsupportedDialectError(dialect);
}

/** Statements through `sequelize.query` (bind parameters `$1`..`$n`, which Sequelize rewrites per dialect). */
function connection(sequelize: Sequelize, transaction: Transaction | null): SqlConnection {
  return {
    query: <Row extends object>(sql: string, values: readonly unknown[]) =>
      sequelize.query<Row>(sql, {
        ...(values.length > 0 ? { bind: values as unknown[] } : {}),
        type: QueryTypes.SELECT,
        raw: true,
        transaction,
      }),
    execute: async (sql: string, values: readonly unknown[]) => {
      const changed: unknown = await sequelize.query(sql, {
        ...(values.length > 0 ? { bind: values as unknown[] } : {}),
        type: QueryTypes.BULKUPDATE,
        raw: true,
        transaction,
      });
      return typeof changed === 'number' ? changed : 0;
    },
  };
}

/**
 * The executor of a Sequelize v6 instance: statements through `sequelize.query`, transactions
 * through `sequelize.transaction` (SQLite IMMEDIATE; MySQL family READ COMMITTED when the
 * transaction takes locking reads).
 */
export function sequelizeExecutor(sequelize: Sequelize): SqlExecutor {
  const family = familyOf(sequelize);
  return {
    family,
    ...connection(sequelize, null),
    transaction<T>(
      work: (c: SqlConnection) => Promise<T>,
      options: SqlTransactionOptions = {},
    ): Promise<T> {
      const run = (t: Transaction) => work(connection(sequelize, t));
      if (family === 'sqlite') {
        return sequelize.transaction({ type: Transaction.TYPES.IMMEDIATE }, run);
      }
      if (family === 'mysql' && options.lockingReads === true) {
        return sequelize.transaction(
          { isolationLevel: Transaction.ISOLATION_LEVELS.READ_COMMITTED },
          run,
        );
      }
      return sequelize.transaction(run);
    },
  };
}
