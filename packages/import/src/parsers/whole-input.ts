/** Presents one complete input as a one-chunk stream, so `parse` can reuse `parseStream`. */
export async function* wholeInput(data: string | Buffer): AsyncIterable<string | Buffer> {
  await Promise.resolve(); // an async generator needs an await; the input is already in memory
  yield data;
}
