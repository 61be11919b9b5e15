/** SQLSTATE codes the store reacts to. */
export const PgErrorCode = {
  UNDEFINED_TABLE: '42P01',
  INVALID_SCHEMA_NAME: '3F000',
} as const;

/** The SQLSTATE of an error raised by `pg`, if it carries one. */
export function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code } = error as { code?: unknown };
  return typeof code === 'string' ? code : undefined;
}
