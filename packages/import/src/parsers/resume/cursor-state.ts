import type { ParseCursor } from '../../ports/source-parser';
import { ParseResumeError } from '../../errors/parse-resume-error';

/** A `from` cursor that passed the checks every parser makes: its `state` is a plain object. */
export interface CheckedCursor {
  readonly byteOffset: number;
  readonly state: Readonly<Record<string, unknown>>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the fields of a cursor's `state`, each checked; a wrong one is a `ParseResumeError`
 * naming the parser and the field.
 */
export class CursorStateReader {
  constructor(
    private readonly parser: string,
    private readonly state: Readonly<Record<string, unknown>>,
  ) {}

  /** An integer >= `min`. */
  count(field: string, min = 0): number {
    const value = this.state[field];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      throw this.bad(field, `an integer >= ${min}`, value);
    }
    return value;
  }

  string(field: string): string {
    const value = this.state[field];
    if (typeof value !== 'string') throw this.bad(field, 'a string', value);
    return value;
  }

  /** One of `allowed`. */
  oneOf<T extends string>(field: string, allowed: readonly T[]): T {
    const value = this.state[field];
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      throw this.bad(field, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, value);
    }
    return value as T;
  }

  /** A string, or `null`. */
  optionalString(field: string): string | null {
    const value = this.state[field];
    if (value === null) return null;
    if (typeof value !== 'string') throw this.bad(field, 'a string or null', value);
    return value;
  }

  /** An array of strings. */
  strings(field: string): string[] {
    const value = this.state[field];
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
      throw this.bad(field, 'an array of strings', value);
    }
    return [...(value as string[])];
  }

  /** A `ParseResumeError` about this parser's cursor. */
  fail(detail: string): ParseResumeError {
    return new ParseResumeError(this.parser, detail);
  }

  private bad(field: string, expected: string, value: unknown): ParseResumeError {
    const shown = value === undefined ? 'nothing' : JSON.stringify(value);
    return this.fail(`state.${field} must be ${expected}, got ${shown}`);
  }
}

/**
 * Checks the shape every cursor has (`byteOffset` an integer >= 0, `state` an object) and that
 * `state.parser` is `tag`, the mark each parser puts on its own cursors.
 */
export function checkCursor(parser: string, tag: string, from: unknown): CheckedCursor {
  if (!isPlainObject(from)) {
    throw new ParseResumeError(parser, 'expected a ParseCursor ({ byteOffset, state })');
  }
  const { byteOffset, state } = from as Partial<ParseCursor>;
  if (typeof byteOffset !== 'number' || !Number.isSafeInteger(byteOffset) || byteOffset < 0) {
    throw new ParseResumeError(
      parser,
      `byteOffset must be an integer >= 0, got ${JSON.stringify(byteOffset)}`,
    );
  }
  if (!isPlainObject(state)) {
    throw new ParseResumeError(parser, 'state must be the object a tracked parse gave');
  }
  if (state.parser !== tag) {
    const other = typeof state.parser === 'string' ? `"${state.parser}"` : 'another parser';
    throw new ParseResumeError(
      parser,
      `the cursor was made by ${other}, not by a ${parser} (state.parser ${JSON.stringify(tag)})`,
    );
  }
  return { byteOffset, state };
}
