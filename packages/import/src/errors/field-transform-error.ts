import { BatchActionsError } from '@batchactions/core';
import { describeValue } from '../schema/describe-value';

/**
 * A field's `transform` or `itemTransform` threw. The schema validator does not turn this into a
 * validation finding because a throwing transform is a bug in the schema, not bad data; the
 * original error is the `cause`.
 */
export class FieldTransformError extends BatchActionsError {
  /** The field whose transform threw. */
  readonly field: string;
  /** The value (or array item) handed to the transform. */
  readonly value: unknown;

  constructor(field: string, value: unknown, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      'FIELD_TRANSFORM_FAILED',
      `The transform of field "${field}" threw for value ${describeValue(value)}: ${reason}`,
      { cause },
    );
    this.field = field;
    this.value = value;
  }
}
