/** Descriptive facts about a source, for logs and job metadata. */
export interface SourceMetadata {
  readonly fileName?: string;
  readonly fileSize?: number;
  readonly mimeType?: string;
  readonly url?: string;
}

/**
 * What identifies one version of a source's content, as far as the source can tell: HTTP
 * validators for a `UrlSource`. A resume stores it with its cursor and passes it back to
 * `readFrom`, which refuses to continue a changed content.
 */
export interface SourceVersion {
  /** What the version is of, for messages (a URL without its secrets). */
  readonly location?: string;
  /** The `ETag` the server sent (quotes and `W/` kept). */
  readonly etag?: string;
  /** The `Last-Modified` the server sent, as sent. */
  readonly lastModified?: string;
  /** The content's size in bytes. */
  readonly size?: number;
}

/** Options of `DataSource.readFrom`. */
export interface ReadFromOptions {
  /**
   * The version the content must still be (from `version()` of an earlier read): a source
   * that finds it changed throws `SourceChangedError` instead of yielding anything of it.
   * Fields absent on either side are not compared.
   */
  readonly expect?: SourceVersion;
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
  readFrom?(offset: number, options?: ReadFromOptions): AsyncIterable<string | Buffer>;
  /**
   * Optional: the version of the content the last read saw (`undefined` before any read).
   * `UrlSource` has it (the response's ETag, Last-Modified and size).
   */
  version?(): SourceVersion | undefined;
  /** Up to `maxBytes` bytes from the start (for format detection and previews). */
  sample(maxBytes?: number): Promise<string | Buffer>;
  metadata(): SourceMetadata;
}
