import { BatchActionsError } from './batch-actions-error';

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (
    typeof value === 'number' ||
    typeof value === 'boolean' ||
    value === null ||
    value === undefined
  ) {
    return String(value);
  }
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return `an object (${Object.prototype.toString.call(value)})`;
}

/**
 * A configuration option has a bad value. The message names the option, the value and the fix;
 * where the published packages had a message for the same mistake, it ends with that message in
 * parentheses (`publishedMessage`), so code that looked for it still finds it.
 */
export class InvalidOptionError extends BatchActionsError {
  readonly option: string;
  readonly value: unknown;

  constructor(
    option: string,
    value: unknown,
    expected: string,
    options?: { publishedMessage?: string },
  ) {
    const published = options?.publishedMessage;
    super(
      'INVALID_OPTION',
      `Invalid option "${option}": expected ${expected}, got ${describe(value)}` +
        (published === undefined ? '' : ` (${published})`),
    );
    this.option = option;
    this.value = value;
  }
}
