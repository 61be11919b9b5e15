import { posix } from 'node:path';
import { InvalidOptionError } from '../errors/invalid-option-error';
import { SourceError } from '../errors/source-error';
import type { DataSource, SourceMetadata } from '../ports/data-source';
import { checkMaxBytes, collectPrefix, DEFAULT_SAMPLE_BYTES } from './chunk-bytes';
import { type HttpBodyRequest, streamHttpBody } from './http-body-stream';
import { guessMimeType, mediaTypeOf } from './mime-types';
import { redactUrl } from './redact-url';

/** Options of {@link UrlSource}. */
export interface UrlSourceOptions {
  /** Extra request headers (e.g. `Authorization`). Default: none. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Milliseconds to wait for the response, and then for each next chunk of the body (an
   * inactivity limit, not a limit on the whole download). Default: 30000.
   */
  readonly timeoutMs?: number;
  /** The `fetch` to use (for proxies, custom agents, tests). Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** RFC 9110: a Range starting at byte 0 is unsatisfiable only when the resource is empty. */
const RANGE_NOT_SATISFIABLE = 416;

function fileNameOf(url: URL): string | undefined {
  const name = posix.basename(url.pathname);
  if (name === '') return undefined;
  try {
    return decodeURIComponent(name);
  } catch (error) {
    // A malformed %-escape: the raw name still identifies the file.
    if (error instanceof URIError) return name;
    throw error;
  }
}

/** A file served over HTTP(S), streamed with `fetch`; each `read()` issues a new GET. */
export class UrlSource implements DataSource {
  readonly url: string;
  private readonly request: HttpBodyRequest;
  private readonly fileName: string | undefined;
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
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new InvalidOptionError('timeoutMs', timeoutMs, 'a finite number of milliseconds > 0');
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
    this.fileName = fileNameOf(parsed);
    this.request = { url, headers, timeoutMs, fetch: fetchFn };
  }

  /** GETs the URL and streams its body; errors are `SourceError`s naming the URL. */
  read(): AsyncGenerator<Buffer> {
    return streamHttpBody(this.request, (response) => {
      this.remember(response);
    });
  }

  /**
   * The first `maxBytes` bytes, asked for with `Range: bytes=0-(maxBytes-1)`; a server that
   * ignores the header is cut off after `maxBytes`.
   */
  async sample(maxBytes: number = DEFAULT_SAMPLE_BYTES): Promise<Buffer> {
    checkMaxBytes(maxBytes);
    const request: HttpBodyRequest = {
      ...this.request,
      headers: { ...this.request.headers, Range: `bytes=0-${maxBytes - 1}` },
    };
    try {
      return await collectPrefix(
        streamHttpBody(request, (response) => {
          this.remember(response);
        }),
        maxBytes,
      );
    } catch (error) {
      if (error instanceof SourceError && error.status === RANGE_NOT_SATISFIABLE) {
        return Buffer.alloc(0);
      }
      throw error;
    }
  }

  /** `mimeType` comes from the last response's `Content-Type`, else from the extension. */
  metadata(): SourceMetadata {
    const mimeType = this.contentType ?? (this.fileName ? guessMimeType(this.fileName) : undefined);
    return {
      url: this.url,
      ...(this.fileName === undefined ? {} : { fileName: this.fileName }),
      ...(this.contentLength === undefined ? {} : { fileSize: this.contentLength }),
      ...(mimeType === undefined ? {} : { mimeType }),
    };
  }

  private remember(response: Response): void {
    const contentType = response.headers.get('content-type');
    if (contentType !== null) this.contentType = mediaTypeOf(contentType);
    // A 206 carries the length of the range, not of the file.
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    if (response.status === 200 && Number.isInteger(length)) this.contentLength = length;
  }
}
