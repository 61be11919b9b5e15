/**
 * The text of a thrown value, as the published package words it: an `Error`'s message,
 * otherwise `String(value)`.
 */
export function thrownMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
