/** Descriptive facts about a source, for logs and job metadata. */
export interface SourceMetadata {
  readonly fileName?: string;
  readonly fileSize?: number;
  readonly mimeType?: string;
  readonly url?: string;
}

/**
 * Where the bytes of an import come from. `read()` yields chunks in order; chunks have arbitrary
 * boundaries (a record or a multi-byte character may span two chunks), so parsers must consume
 * the whole chunk stream.
 */
export interface DataSource {
  /** Streams the content, chunk by chunk. Each call starts from the beginning. */
  read(): AsyncIterable<string | Buffer>;
  /**
   * Optional: streams the content from byte `offset` (0 = the whole content), chunk by chunk,
   * decoded the same way `read()` decodes (so `readFrom(0)` yields what `read()` yields).
   * `offset` is a byte offset in the raw content; callers pass an offset that falls on a
   * character boundary (after a record's end). An offset past the end yields nothing. Each call
   * starts a new read. A negative or non-integer `offset` throws `InvalidOptionError('offset')`.
   * Used to resume a parse from a `ParseCursor` (`@batchactions/import`).
   */
  readFrom?(offset: number): AsyncIterable<string | Buffer>;
  /** Up to `maxBytes` bytes from the start (for format detection and previews). */
  sample(maxBytes?: number): Promise<string | Buffer>;
  metadata(): SourceMetadata;
}
