import mariadb from 'mariadb';
import type { DatabaseCatalog } from '../../../../tests/support/reusable-databases';

/** One line per table, column, index, constraint, trigger and routine of database `?`. */
const DEFINITION_SQL = `
SELECT CONCAT('table ', TABLE_NAME, ' ', TABLE_TYPE, ' ', COALESCE(ENGINE, '-')) AS line
  FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?
UNION ALL
SELECT CONCAT('column ', TABLE_NAME, '.', COLUMN_NAME, ' #', ORDINAL_POSITION, ' ', COLUMN_TYPE,
              ' ', IS_NULLABLE, ' ', COALESCE(COLUMN_DEFAULT, '-'), ' ', EXTRA, ' ',
              COALESCE(COLLATION_NAME, '-'))
  FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?
UNION ALL
SELECT CONCAT('index ', TABLE_NAME, '.', INDEX_NAME, ' ', NON_UNIQUE, ' ', SEQ_IN_INDEX, ' ',
              COLUMN_NAME)
  FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ?
UNION ALL
SELECT CONCAT('constraint ', TABLE_NAME, '.', CONSTRAINT_NAME, ' ', CONSTRAINT_TYPE)
  FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = ?
UNION ALL
SELECT CONCAT('check ', CONSTRAINT_NAME, ' ', CHECK_CLAUSE)
  FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?
UNION ALL
SELECT CONCAT('trigger ', TRIGGER_NAME, ' ', ACTION_TIMING, ' ', EVENT_MANIPULATION, ' ',
              ACTION_STATEMENT)
  FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?
UNION ALL
SELECT CONCAT('routine ', ROUTINE_NAME, ' ', MD5(COALESCE(ROUTINE_DEFINITION, '')))
  FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?
ORDER BY 1`;

/** The databases of a MariaDB server (`url`), through a small pool of its own. */
export function mariadbCatalog(url: string): DatabaseCatalog {
  const admin = mariadb.createPool(`${url}${url.includes('?') ? '&' : '?'}connectionLimit=2`);
  return {
    definition: async (name) =>
      (await admin.query<{ line: string }[]>(DEFINITION_SQL, Array(7).fill(name))).map(
        (r) => r.line,
      ),
    tables: async (name) =>
      (
        await admin.query<{ name: string }[]>(
          `SELECT TABLE_NAME AS name FROM information_schema.TABLES
            WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`,
          [name],
        )
      ).map((r) => r.name),
    rows: async (name, table) =>
      admin.query<Record<string, unknown>[]>(`SELECT * FROM \`${name}\`.\`${table}\``),
    empty: async (name, tables) => {
      // DELETE, not TRUNCATE (a DDL statement that recreates the table): many times faster on a
      // few rows. The store's tables reference no other table, so any order does.
      const counted = await admin.query<{ name: string }[]>(
        `SELECT DISTINCT TABLE_NAME AS name FROM information_schema.COLUMNS
          WHERE TABLE_SCHEMA = ? AND EXTRA LIKE '%auto_increment%'`,
        [name],
      );
      for (const table of tables) await admin.query(`DELETE FROM \`${name}\`.\`${table}\``);
      for (const { name: table } of counted) {
        if (tables.includes(table)) {
          // Counters start again at 1, as in a fresh table.
          await admin.query(`ALTER TABLE \`${name}\`.\`${table}\` AUTO_INCREMENT = 1`);
        }
      }
    },
    drop: async (name) => {
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    },
    end: () => admin.end(),
  };
}
