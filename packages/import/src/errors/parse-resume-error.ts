import { BatchActionsError } from '@batchactions/core';

/**
 * `parseStreamFrom` was given a `from` cursor it cannot resume from: malformed, made by another
 * parser or for another format, or inconsistent with this parser's options. Nothing is parsed:
 * resuming from a wrong cursor would lose or repeat records silently.
 */
export class ParseResumeError extends BatchActionsError {
  /** Always `'from'`: the argument at fault. */
  readonly option = 'from';
  /** The parser that refused the cursor (`'CsvParser'`, `'JsonParser'`, `'XmlParser'`). */
  readonly parser: string;
  /** What is wrong with the cursor. */
  readonly detail: string;

  constructor(parser: string, detail: string) {
    super('PARSE_RESUME_ERROR', `${parser} cannot resume from the cursor "from": ${detail}`);
    this.parser = parser;
    this.detail = detail;
  }
}
