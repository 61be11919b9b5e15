import { SourceError } from '../errors/source-error';
import { redactUrl } from './redact-url';

/** What {@link streamHttpBody} needs to fetch one URL. */
export interface HttpBodyRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Limit on waiting for the response and on each wait for the next body chunk. */
  readonly timeoutMs: number;
  readonly fetch: typeof fetch;
}

/** The failure's text, with every copy of the request's URL in it redacted. */
function describeError(error: unknown, rawUrl: string): string {
  let text: string;
  if (!(error instanceof Error)) text = String(error);
  else {
    // undici wraps the interesting part ("connect ECONNREFUSED", "other side closed") in `cause`.
    const cause: unknown = error.cause;
    text = cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
  }
  // fetch's own messages may quote the URL ("cannot be constructed from a URL that includes
  // credentials: …").
  return text.replaceAll(rawUrl, redactUrl(rawUrl));
}

/**
 * GETs `request.url` and yields its body as Buffers. Every failure is a `SourceError` naming the
 * URL, redacted (password and query values hidden, see `redactUrl`): a non-2xx status (with `status`), a timeout (naming the limit), a body that ends early.
 * The timer runs only while waiting for the server, never while the consumer handles a chunk.
 */
/**
 * `onResponse` sees each successful response before its body is read; if it throws, the body is
 * cancelled and its error propagates.
 */
export async function* streamHttpBody(
  request: HttpBodyRequest,
  onResponse: (response: Response) => void,
): AsyncGenerator<Buffer> {
  const { timeoutMs } = request;
  // Messages and `location` carry the URL without its secrets (pre-signed query tokens).
  const url = redactUrl(request.url);
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOutWhile: string | undefined;
  const arm = (phase: string): void => {
    timer = setTimeout(() => {
      timedOutWhile = phase;
      controller.abort();
    }, timeoutMs);
  };
  const timeoutError = (cause: unknown): SourceError =>
    new SourceError(
      url,
      `GET ${url} timed out after ${timeoutMs} ms ${timedOutWhile ?? ''}`.trim(),
      {
        cause,
      },
    );

  let response: Response;
  arm('waiting for the response');
  try {
    response = await request.fetch(request.url, {
      headers: request.headers,
      signal: controller.signal,
    });
  } catch (error) {
    if (timedOutWhile !== undefined) throw timeoutError(error);
    throw new SourceError(url, `GET ${url} failed: ${describeError(error, request.url)}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }

  if (!response.ok) {
    // Nobody reads an error body: cancel it so the connection is freed.
    await response.body?.cancel();
    // The published message, word for word.
    throw new SourceError(
      url,
      `UrlSource: HTTP ${response.status} ${response.statusText} for ${url}`,
      {
        status: response.status,
      },
    );
  }
  try {
    onResponse(response);
  } catch (error) {
    // The caller refused the response (e.g. a range it did not ask for): free the connection.
    await response.body?.cancel();
    throw error;
  }
  if (!response.body) {
    // No body stream (a custom fetch, some polyfills): its text, as published.
    arm('waiting for the response body');
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      if (timedOutWhile !== undefined) throw timeoutError(error);
      throw new SourceError(
        url,
        `GET ${url} failed: reading the response body: ${describeError(error, request.url)}`,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
    if (text !== '') yield Buffer.from(text, 'utf8');
    return;
  }

  // undici types the body as ReadableStream<any>; its chunks are Uint8Arrays.
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let settled = false;
  try {
    for (;;) {
      let result: Awaited<ReturnType<typeof reader.read>>;
      arm('waiting for the next chunk of the response body');
      try {
        result = await reader.read();
      } catch (error) {
        settled = true;
        if (timedOutWhile !== undefined) throw timeoutError(error);
        throw new SourceError(
          url,
          `GET ${url} failed: response body ended early (aborted): ${describeError(error, request.url)}`,
          { cause: error },
        );
      } finally {
        clearTimeout(timer);
      }
      if (result.done) {
        settled = true;
        return;
      }
      const { buffer, byteOffset, byteLength } = result.value;
      yield Buffer.from(buffer, byteOffset, byteLength);
    }
  } finally {
    // The consumer stopped early: cancel the body so the connection is released.
    if (!settled) await reader.cancel();
    reader.releaseLock();
  }
}
