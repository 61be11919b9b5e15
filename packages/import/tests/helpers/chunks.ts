/** Yields `data` in pieces of `size` bytes (the last one may be shorter). */
export async function* chunksOf(data: Buffer | string, size: number): AsyncIterable<Buffer> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  for (let offset = 0; offset < bytes.length; offset += size) {
    await Promise.resolve();
    yield bytes.subarray(offset, offset + size);
  }
}

/** Yields `data` split at the given byte offsets (sorted, duplicates allowed: empty chunks). */
export async function* splitAt(
  data: Buffer | string,
  cuts: readonly number[],
): AsyncIterable<Buffer> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  let previous = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    await Promise.resolve();
    yield bytes.subarray(previous, cut);
    previous = cut;
  }
  yield bytes.subarray(previous);
}

/** Reads a whole (async) iterable into an array. */
export async function collect<T>(items: AsyncIterable<T> | Iterable<T>): Promise<T[]> {
  const result: T[] = [];
  for await (const item of items) result.push(item);
  return result;
}

/** Reads an iterable that must fail; returns the records before the failure and the error. */
export async function collectUntilError<T>(
  items: AsyncIterable<T> | Iterable<T>,
): Promise<{ records: T[]; error: unknown }> {
  const records: T[] = [];
  try {
    for await (const item of items) records.push(item);
  } catch (error: unknown) {
    return { records, error };
  }
  throw new Error(`expected the parser to fail, but it produced ${records.length} record(s)`);
}
