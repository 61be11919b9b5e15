/** One step of the schema's history. */
export interface Migration {
  /** 1, 2, 3... Applied in order; the `schema_migrations` table records the applied ones. */
  readonly version: number;
  /** Short description, stored with the version. */
  readonly name: string;
  /** Plain SQL; `{{schema}}` stands for the quoted schema name. */
  readonly sql: string;
}
