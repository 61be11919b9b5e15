import type { RawRecord, ValidationError } from '@batchactions/core';

/**
 * Key under which a parser marks a record made from a malformed source row (`CsvParser` with
 * `malformedRows: 'invalid'`): its value says where and what, e.g. `line 7: the row has 5
 * field(s) but the header has 4 column(s)`. `SchemaValidator.validate` turns it into a
 * `MALFORMED_ROW` error, so the record fails with that message.
 */
export const MALFORMED_ROW_KEY = '__row_error';

/** The `MALFORMED_ROW` finding of a record a parser marked malformed, if it was. */
export function malformedRowError(record: RawRecord): ValidationError | undefined {
  const reason = record[MALFORMED_ROW_KEY];
  if (typeof reason !== 'string') return undefined;
  return {
    field: MALFORMED_ROW_KEY,
    message: `Malformed row at ${reason}`,
    code: 'MALFORMED_ROW',
    value: undefined,
    category: 'FORMAT',
  };
}
