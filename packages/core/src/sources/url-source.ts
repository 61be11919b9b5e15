import { posix } from 'node:path';
import { InvalidOptionError } from '../errors/invalid-option-error';
import { SourceChangedError, SourceError } from '../errors/source-error';
import type {
  DataSource,
  ReadFromOptions,
  SourceMetadata,
  SourceVersion,
} from '../ports/data-source';
import { checkOffset, decodeChunks, decodePrefix, readAllText, sampleLimit } from './chunk-bytes';
import { type HttpBodyRequest, streamHttpBody } from './http-body-stream';
import { DEFAULT_MIME_TYPE, knownMimeType, mediaTypeOf } from './mime-types';
import { rememberSourceName } from './source-name';
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

/** The parsed URL when it is an absolute http(s) URL, else `undefined`. */
function httpUrl(url: string): URL | undefined {
  if (!URL.canParse(url)) return undefined;
  const parsed = new URL(url);
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed : undefined;
}

/** A header of a response, tolerating the header-less responses of hand-written fetches. */
function header(response: Response, name: string): string | undefined {
  const headers = (response as Partial<Response>).headers;
  return typeof headers?.get === 'function' ? (headers.get(name) ?? undefined) : undefined;
}

/** Each difference between what a resume expects and what the server now says. */
function versionChanges(expected: SourceVersion, now: SourceVersion): string[] {
  const changes: string[] = [];
  if (expected.etag !== undefined && now.etag !== undefined && expected.etag !== now.etag) {
    changes.push(`ETag ${expected.etag} → ${now.etag}`);
  }
  if (
    expected.lastModified !== undefined &&
    now.lastModified !== undefined &&
    expected.lastModified !== now.lastModified
  ) {
    changes.push(`Last-Modified ${expected.lastModified} → ${now.lastModified}`);
  }
  if (expected.size !== undefined && now.size !== undefined && expected.size !== now.size) {
    changes.push(`size ${expected.size} → ${now.size} bytes`);
  }
  return changes;
}

/**
 * The `If-Range` validator for a resume: a strong ETag, else the Last-Modified date (RFC 9110
 * §13.1.5: a weak ETag cannot be used there).
 */
function ifRangeOf(expected: SourceVersion | undefined): string | undefined {
  if (expected?.etag !== undefined && !expected.etag.startsWith('W/')) return expected.etag;
  return expected?.lastModified;
}

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
  /** False for a URL that does not parse or is not http(s): every read fails. */
  private readonly usable: boolean;
  private contentType: string | undefined;
  private contentLength: number | undefined;
  private lastVersion: SourceVersion | undefined;

  /**
   * Checks the options (`timeout`, `headers`, `fetch`); the URL itself is checked when reading,
   * as published: a URL that does not parse, or not http(s), gives `metadata()` the default
   * file name and fails every read with a `SourceError`.
   * @throws InvalidOptionError when `url` is not a string or an option is bad.
   */
  constructor(url: string, options: UrlSourceOptions = {}) {
    if (typeof url !== 'string') {
      throw new InvalidOptionError('url', url, 'an absolute http:// or https:// URL');
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
    this.usable = httpUrl(url) !== undefined;
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    const named = options.fileName ?? (parsed ? fileNameOf(parsed) : undefined);
    this.fileName = named ?? 'remote-file';
    rememberSourceName(this, named);
    this.request = { url, headers, timeoutMs, fetch: fetchFn };
  }

  /**
   * GETs the URL and streams its body as UTF-8 strings (characters split between network
   * chunks decoded whole). A non-2xx status is a `SourceError`:
   * `UrlSource: HTTP ${status} ${statusText} for ${url}`.
   */
  read(): AsyncGenerator<string> {
    return decodeChunks(
      this.body(this.request, (response) => {
        this.remember(response);
      }),
      'utf8',
    );
  }

  /** `streamHttpBody`, after checking that the URL is one `fetch` can GET. */
  private async *body(
    request: HttpBodyRequest,
    onResponse: (response: Response) => void,
  ): AsyncGenerator<Buffer> {
    if (!this.usable) {
      const shown = redactUrl(this.url);
      throw new SourceError(
        shown,
        `UrlSource: cannot read ${JSON.stringify(shown)}: not an absolute http:// or https:// URL`,
        { cause: new InvalidOptionError('url', shown, 'an absolute http:// or https:// URL') },
      );
    }
    yield* streamHttpBody(request, onResponse);
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
      for await (const chunk of this.body(request, (response) => {
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
   *
   * With `options.expect` (a `version()` of an earlier read), the request carries `If-Range`
   * (its strong ETag, else its Last-Modified) so that a server whose file changed answers with
   * the whole new file, and the response's ETag, Last-Modified and size are compared with it:
   * any difference (or a 416 before the expected size) is a `SourceChangedError` naming each
   * one, and nothing is yielded.
   */
  readFrom(offset: number, options: ReadFromOptions = {}): AsyncGenerator<string> {
    const start = checkOffset(offset);
    const { expect } = options;
    if (start === 0 && expect === undefined) return this.read();
    return decodeChunks(this.bytesFrom(start, expect), 'utf8');
  }

  /**
   * The version of the content the last response described: its `ETag`, `Last-Modified` and
   * size (from `Content-Length`, or the total of a 206's `Content-Range`), each when sent;
   * `undefined` before any response. `location` is the URL without its secrets.
   */
  version(): SourceVersion | undefined {
    return this.lastVersion;
  }

  private async *bytesFrom(offset: number, expect?: SourceVersion): AsyncGenerator<Buffer> {
    const ifRange = ifRangeOf(expect);
    const request: HttpBodyRequest = {
      ...this.request,
      headers: {
        ...this.request.headers,
        ...(offset > 0 ? { Range: `bytes=${offset}-` } : {}),
        ...(offset > 0 && ifRange !== undefined ? { 'If-Range': ifRange } : {}),
      },
    };
    /** Bytes still to drop: the whole body came (200) instead of the range. */
    let skip = 0;
    const body = this.body(request, (response) => {
      this.remember(response);
      if (expect !== undefined) this.checkVersion(expect, response.status);
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
      if (error instanceof SourceError && error.status === RANGE_NOT_SATISFIABLE) {
        // Nothing at `offset`: the end of the file, unless it was longer when first read.
        if (expect?.size !== undefined && offset < expect.size) {
          const location = redactUrl(this.url);
          throw new SourceChangedError(
            location,
            [`size ${expect.size} bytes → no byte ${offset} any more (HTTP 416)`],
            { status: RANGE_NOT_SATISFIABLE },
          );
        }
        return;
      }
      throw error;
    }
  }

  /** Throws `SourceChangedError` when the last response describes another version. */
  private checkVersion(expect: SourceVersion, status: number): void {
    const changes = versionChanges(expect, this.lastVersion ?? {});
    if (changes.length === 0) return;
    throw new SourceChangedError(redactUrl(this.url), changes, { status });
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
    const contentType = header(response, 'content-type');
    if (contentType !== undefined) this.contentType = mediaTypeOf(contentType);
    let size: number | undefined;
    if (response.status === PARTIAL_CONTENT) {
      // A 206 carries the length of the range, not of the file: the size is after the `/` of
      // its Content-Range, when the server knows it.
      const total = CONTENT_RANGE.exec(header(response, 'content-range')?.trim() ?? '')?.[3];
      if (total !== undefined && total !== '*') size = Number(total);
    } else {
      const length = Number(header(response, 'content-length') ?? Number.NaN);
      if (response.status === 200 && Number.isInteger(length)) size = length;
    }
    if (size !== undefined) this.contentLength = size;
    const etag = header(response, 'etag');
    const lastModified = header(response, 'last-modified');
    this.lastVersion = {
      location: redactUrl(this.url),
      ...(etag === undefined ? {} : { etag }),
      ...(lastModified === undefined ? {} : { lastModified }),
      ...(size === undefined ? {} : { size }),
    };
  }
}
