import pg from 'pg';
import type { DatabaseCatalog } from './reusable-databases';

/** One line per column, relation, constraint, index, trigger and function of schema `$1`. */
const DEFINITION_SQL = `
SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
       || coalesce(' collate ' || co.collname, '') AS line
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
  LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 0
 WHERE c.relnamespace = $1::regnamespace
UNION ALL
SELECT 'relation ' || relname || ' ' || relkind::text
  FROM pg_class WHERE relnamespace = $1::regnamespace
UNION ALL
SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid)
  FROM pg_constraint WHERE connamespace = $1::regnamespace
UNION ALL
SELECT 'index ' || pg_get_indexdef(i.indexrelid)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = $1::regnamespace
UNION ALL
SELECT 'trigger ' || pg_get_triggerdef(t.oid)
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = $1::regnamespace AND NOT t.tgisinternal
UNION ALL
SELECT 'function ' || p.oid::regprocedure::text || ' ' || md5(p.prosrc)
  FROM pg_proc p WHERE p.pronamespace = $1::regnamespace
ORDER BY 1`;

/** The schemas of a PostgreSQL server, through a small pool of its own. */
export function postgresCatalog(url: string): DatabaseCatalog {
  const admin = new pg.Pool({ connectionString: url, max: 2 });
  return {
    definition: async (schema) =>
      (await admin.query<{ line: string }>(DEFINITION_SQL, [schema])).rows.map((r) => r.line),
    tables: async (schema) =>
      (
        await admin.query<{ name: string }>(
          `SELECT relname AS name FROM pg_class
            WHERE relnamespace = $1::regnamespace AND relkind IN ('r', 'p') ORDER BY relname`,
          [schema],
        )
      ).rows.map((r) => r.name),
    rows: async (schema, table) =>
      (await admin.query<Record<string, unknown>>(`SELECT * FROM "${schema}"."${table}"`)).rows,
    empty: async (schema, tables) => {
      // DELETE, not TRUNCATE: on a few rows it is many times faster (TRUNCATE makes new files).
      const { rows: references } = await admin.query<{ child: string; parent: string }>(
        `SELECT c.relname AS child, p.relname AS parent
           FROM pg_constraint k
           JOIN pg_class c ON c.oid = k.conrelid
           JOIN pg_class p ON p.oid = k.confrelid
          WHERE k.contype = 'f' AND k.connamespace = $1::regnamespace`,
        [schema],
      );
      const deletes = childrenFirst(tables, references).map(
        (table) => `DELETE FROM "${schema}"."${table}";`,
      );
      // Sequences start again where a fresh migration's start (RESTART IDENTITY's job).
      await admin.query(`BEGIN;
        ${deletes.join('\n')}
        SELECT setval(s.seqrelid, s.seqstart, false)
          FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
         WHERE c.relnamespace = '"${schema}"'::regnamespace;
        COMMIT;`);
    },
    drop: async (schema) => {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
    end: () => admin.end(),
  };
}

/** `tables` ordered so that a table comes before the tables it references. */
function childrenFirst(
  tables: readonly string[],
  references: readonly { child: string; parent: string }[],
): string[] {
  const ordered: string[] = [];
  const visit = (table: string, path: Set<string>): void => {
    if (ordered.includes(table) || path.has(table)) return;
    path.add(table);
    for (const r of references) if (r.parent === table && r.child !== table) visit(r.child, path);
    ordered.push(table);
  };
  for (const table of tables) visit(table, new Set());
  return ordered.filter((table) => tables.includes(table));
}
