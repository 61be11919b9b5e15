import { posix } from 'node:path';
import { InvalidOptionError } from '../errors/invalid-option-error';
import { SourceError } from '../errors/source-error';
import type { DataSource, SourceMetadata } from '../ports/data-source';
import { checkOffset, decodeChunks, decodePrefix, readAllText, sampleLimit } from './chunk-bytes';
import { type HttpBodyRequest, streamHttpBody } from './http-body-stream';
import { DEFAULT_MIME_TYPE, knownMimeType, mediaTypeOf } from './mime-types';
import { redactUrl } from './redact-url';

/** Options of {@link UrlSource}. */
export interface UrlSourceOptions {
  /** Extra request headers (e.g. `Authorization`). Default: `{}`. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Milliseconds to wait for the response, and then for each next chunk of the body (the
   * published timeout stopped at the headers; a stalled body hung forever). Default: 30000.
   */
  readonly timeout?: number;
  /** Same as `timeout` (the name earlier releases of this package used). */
  readonly timeoutMs?: number;
  /** Reported by `metadata()`. Default: the URI-decoded last path segment, else `'remote-file'`. */
  readonly fileName?: string;
  /**
   * Reported by `metadata()`. Default: from the file name's extension (csv, json, xml, tsv),
   * else the last response's `Content-Type`, else `'text/plain'`.
   */
  readonly mimeType?: string;
  /** The `fetch` to use (proxies, custom agents, tests). Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** RFC 9110: a Range starting at byte 0 is unsatisfiable only when the resource is empty. */
const RANGE_NOT_SATISFIABLE = 416;
const PARTIAL_CONTENT = 206;
/** `Content-Range: bytes <first>-<last>/<size or *>` (RFC 9110 §14.4). */
const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+|\*)$/;

function fileNameOf(url: URL): string | undefined {
  const name = posix.basename(url.pathname);
  if (name === '') return undefined;
  try {
    return decodeURIComponent(name);
  } catch (error) {
    // A malformed %-escape: published falls back to the default name.
    if (error instanceof URIError) return undefined;
    throw error;
  }
}

/** A file served over HTTP(S), streamed with `fetch` as UTF-8 strings; each `read()` issues a new GET. */
export class UrlSource implements DataSource {
  readonly url: string;
  private readonly request: HttpBodyRequest;
  private readonly options: UrlSourceOptions;
  private readonly fileName: string;
  private contentType: string | undefined;
  private contentLength: number | undefined;

  constructor(url: string, options: UrlSourceOptions = {}) {
    // The rejected URL is named without its password and query values (see `redactUrl`).
    if (typeof url !== 'string' || !URL.canParse(url)) {
      const shown = typeof url === 'string' ? redactUrl(url) : url;
      throw new InvalidOptionError('url', shown, 'an absolute http:// or https:// URL');
    }
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new InvalidOptionError('url', redactUrl(url), 'an absolute http:// or https:// URL');
    }
    const timeoutMs = options.timeout ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new InvalidOptionError('timeout', timeoutMs, 'a finite number of milliseconds > 0');
    }
    const headers = options.headers ?? {};
    if (typeof headers !== 'object' || Object.values(headers).some((v) => typeof v !== 'string')) {
      throw new InvalidOptionError('headers', headers, 'an object of string header values');
    }
    const fetchFn = options.fetch ?? globalThis.fetch;
    if (typeof fetchFn !== 'function') {
      throw new InvalidOptionError('fetch', fetchFn, 'a fetch function (Node.js >= 20 has one)');
    }
    this.url = url;
    this.options = options;
    this.fileName = options.fileName ?? fileNameOf(parsed) ?? 'remote-file';
    this.request = { url, headers, timeoutMs, fetch: fetchFn };
  }

  /**
   * GETs the URL and streams its body as UTF-8 strings (characters split between network
   * chunks decoded whole). A non-2xx status is a `SourceError`:
   * `UrlSource: HTTP ${status} ${statusText} for ${url}`.
   */
  read(): AsyncGenerator<string> {
    return decodeChunks(
      streamHttpBody(this.request, (response) => {
        this.remember(response);
      }),
      'utf8',
    );
  }

  /**
   * The first `maxBytes` bytes (cut on a character boundary), asked for with
   * `Range: bytes=0-(maxBytes-1)`; a server that ignores the header is cut off after `maxBytes`
   * bytes instead of being downloaded whole. Without `maxBytes`, the whole body.
   */
  async sample(maxBytes?: number): Promise<string> {
    const limit = sampleLimit(maxBytes);
    if (limit === undefined) return readAllText(this.read());
    const request: HttpBodyRequest = {
      ...this.request,
      headers: { ...this.request.headers, Range: `bytes=0-${limit - 1}` },
    };
    const parts: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of streamHttpBody(request, (response) => {
        this.remember(response);
      })) {
        parts.push(chunk);
        size += chunk.length;
        if (size >= limit) break;
      }
    } catch (error) {
      if (error instanceof SourceError && error.status === RANGE_NOT_SATISFIABLE) return '';
      throw error;
    }
    return decodePrefix(Buffer.concat(parts, size), limit, 'utf8');
  }

  /**
   * Streams the body from byte `offset` (`readFrom(0)` is `read()`), asked for with
   * `Range: bytes=<offset>-`: a 206 whose `Content-Range` starts at `offset` is streamed; a
   * server that ignores Range (200) sends the whole body and the first `offset` bytes are dropped
   * here; 416 (offset at or past the end) yields nothing. Any other status fails like `read()`; a
   * 206 for another range is a `SourceError` naming the URL and both ranges. Timeouts, redirects
   * and the redaction of the URL in messages are those of `read()`. Throws
   * `InvalidOptionError('offset')` for a negative or non-integer offset.
   */
  readFrom(offset: number): AsyncGenerator<string> {
    const start = checkOffset(offset);
    if (start === 0) return this.read();
    return decodeChunks(this.bytesFrom(start), 'utf8');
  }

  private async *bytesFrom(offset: number): AsyncGenerator<Buffer> {
    const request: HttpBodyRequest = {
      ...this.request,
      headers: { ...this.request.headers, Range: `bytes=${offset}-` },
    };
    /** Bytes still to drop: the whole body came (200) instead of the range. */
    let skip = 0;
    const body = streamHttpBody(request, (response) => {
      this.remember(response);
      skip = response.status === PARTIAL_CONTENT ? this.checkRange(response, offset) : offset;
    });
    try {
      for await (const chunk of body) {
        if (skip >= chunk.length) {
          skip -= chunk.length;
          continue;
        }
        yield skip === 0 ? chunk : chunk.subarray(skip);
        skip = 0;
      }
    } catch (error) {
      if (error instanceof SourceError && error.status === RANGE_NOT_SATISFIABLE) return;
      throw error;
    }
  }

  /** 0 when a 206 answers the range asked for; else a `SourceError` (nothing is guessed). */
  private checkRange(response: Response, offset: number): number {
    const header = response.headers.get('content-range') ?? '';
    const match = CONTENT_RANGE.exec(header.trim());
    if (match !== null && Number(match[1]) === offset) return 0;
    const url = redactUrl(this.url);
    throw new SourceError(
      url,
      `UrlSource: asked ${url} for bytes ${offset}- and got a 206 with Content-Range ${JSON.stringify(header)}`,
      { status: response.status },
    );
  }

  /**
   * `{ fileName, mimeType }`, plus `fileSize` once a full response told its length, or a 206 its
   * `Content-Range` total (the published source never reported it).
   */
  metadata(): SourceMetadata {
    const mimeType =
      this.options.mimeType ??
      knownMimeType(this.fileName) ??
      this.contentType ??
      DEFAULT_MIME_TYPE;
    return {
      fileName: this.fileName,
      mimeType,
      ...(this.contentLength === undefined ? {} : { fileSize: this.contentLength }),
    };
  }

  private remember(response: Response): void {
    const contentType = response.headers.get('content-type');
    if (contentType !== null) this.contentType = mediaTypeOf(contentType);
    // A 206 carries the length of the range, not of the file: the size is after the `/` of its
    // Content-Range, when the server knows it.
    if (response.status === PARTIAL_CONTENT) {
      const size = CONTENT_RANGE.exec(response.headers.get('content-range')?.trim() ?? '')?.[3];
      if (size !== undefined && size !== '*') this.contentLength = Number(size);
      return;
    }
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    if (response.status === 200 && Number.isInteger(length)) this.contentLength = length;
  }
}
