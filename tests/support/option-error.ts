import { InvalidOptionError } from '@batchactions/core';

/** The `InvalidOptionError` that `build` throws; fails the test when it throws nothing or another error. */
export function invalidOptionOf(build: () => unknown): InvalidOptionError {
  try {
    build();
  } catch (error) {
    if (error instanceof InvalidOptionError) return error;
    throw error;
  }
  throw new Error('expected InvalidOptionError, nothing was thrown');
}
