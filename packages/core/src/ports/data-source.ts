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
  /** Up to `maxBytes` bytes from the start (for format detection and previews). */
  sample(maxBytes?: number): Promise<string | Buffer>;
  metadata(): SourceMetadata;
}
