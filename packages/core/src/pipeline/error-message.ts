/**
 * The message of a thrown value: an `Error`'s `message`, anything else through `String()` (as the
 * published engine reports it). A value `String()` cannot convert (an object without a
 * prototype) is described instead of throwing again.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch (conversionError) {
    return `a thrown ${typeof error} that cannot be converted to text (${errorMessage(conversionError)})`;
  }
}
