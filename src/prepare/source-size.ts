import type { DataSource } from '@batchactions/core';

/**
 * The source's size in bytes when its `metadata()` tells it (a file), for a resumed prepare to
 * compare and for the prepare span. The published engine never calls `metadata()`, so a source
 * may leave it unimplemented or let it throw (a `FilePathSource` whose file is gone): then the
 * size is unknown, as for a stream, and a warning says what that costs. The prepare itself
 * still reads the source, and fails there if it cannot.
 */
export function reportedSourceSize(source: DataSource): number | undefined {
  const candidate = source as Partial<DataSource> | null;
  if (typeof candidate?.metadata !== 'function') return undefined;
  try {
    const size = candidate.metadata().fileSize;
    return typeof size === 'number' ? size : undefined;
  } catch (error) {
    process.emitWarning(
      `source.metadata() threw (${error instanceof Error ? error.message : String(error)}): the source's size is unknown, so a resumed prepare of this job cannot compare it`,
      { code: 'BATCHACTIONS_SOURCE_METADATA' },
    );
    return undefined;
  }
}
