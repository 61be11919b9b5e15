/**
 * The records of one bulk write as a row source, from the seven parameters that
 * `recordParameters` produces starting at `$first`:
 * indexes int[], statuses text[], raws json array, parsed json array | NULL,
 * errors json array | NULL, processing errors text[] | NULL, retry counts int[] | NULL.
 *
 * ROWS FROM zips the columns and pads a NULL (absent) column with NULLs.
 */
export function recordInput(first: number): string {
  const p = (offset: number) => `$${first + offset}`;
  return `ROWS FROM (
      unnest(${p(0)}::integer[]),
      unnest(${p(1)}::text[]),
      json_array_elements(${p(2)}::json),
      json_array_elements(${p(3)}::json),
      json_array_elements(${p(4)}::json),
      unnest(${p(5)}::text[]),
      unnest(${p(6)}::integer[])
    ) AS input (record_index, status, raw, parsed, errors, processing_error, retry_count)`;
}

/**
 * What a finished batch changes in its stored records, as a row source from the six parameters
 * that `outcomeParameters` produces starting at `$first`: indexes int[], statuses text[], parsed
 * json array | NULL, errors json array | NULL, processing errors text[] | NULL, retry counts
 * int[] | NULL. The raw payload is not among them: it never changes after `prepare`.
 */
export function recordOutcomeInput(first: number): string {
  const p = (offset: number) => `$${first + offset}`;
  return `ROWS FROM (
      unnest(${p(0)}::integer[]),
      unnest(${p(1)}::text[]),
      json_array_elements(${p(2)}::json),
      json_array_elements(${p(3)}::json),
      unnest(${p(4)}::text[]),
      unnest(${p(5)}::integer[])
    ) AS input (record_index, status, parsed, errors, processing_error, retry_count)`;
}

/** The assignments of an in-place record update from {@link recordOutcomeInput}'s `input`. */
export const RECORD_OUTCOME_COLUMNS = `status = input.status,
        parsed = input.parsed,
        errors = input.errors,
        processing_error = input.processing_error,
        retry_count = input.retry_count`;

/** Columns written for each record, in the order of {@link RECORD_INPUT_VALUES}. */
export const RECORD_INSERT_COLUMNS =
  'job_id, record_index, batch_id, status, raw, parsed, errors, processing_error, retry_count';

/** The values of one record row: job id `$1`, batch id `$2`, the rest from `input`. */
export const RECORD_INPUT_VALUES = `$1, input.record_index, $2, input.status, input.raw,
    input.parsed, input.errors, input.processing_error, input.retry_count`;

/** A record saved again replaces every field of the stored one. */
export const RECORD_UPSERT = `ON CONFLICT (job_id, record_index) DO UPDATE SET
    batch_id = excluded.batch_id,
    status = excluded.status,
    raw = excluded.raw,
    parsed = excluded.parsed,
    errors = excluded.errors,
    processing_error = excluded.processing_error,
    retry_count = excluded.retry_count`;

/** Columns read for each record (JSON as text: see `decodeRecord`). */
export const RECORD_SELECT_COLUMNS = `record_index, status, raw::text AS raw, parsed::text AS parsed,
    errors::text AS errors, processing_error, retry_count`;
