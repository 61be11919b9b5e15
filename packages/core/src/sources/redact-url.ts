/** What replaces a hidden secret in a redacted URL. */
const HIDDEN = '***';

/** `scheme://user:password@` at the start of a text that is not a parsable URL. */
const CREDENTIALS = /^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*:)[^/?#]*@/i;

/**
 * A URL as it may appear in a message or a log: the password is replaced by `***`, and so is
 * every value of the query string (pre-signed URLs carry their tokens there; PostgreSQL URLs
 * may carry `password=`), the parameter names stay; the fragment is dropped. Text that does not
 * parse as a URL is redacted the same way as far as its shape allows (`user:…@`, `?…`), so a
 * malformed URL never leaks its secrets into the error that reports it.
 */
export function redactUrl(url: string): string {
  const scheme = SCHEME.exec(url)?.[0];
  if (scheme !== undefined) {
    const split = splitUserinfo(url.slice(scheme.length));
    if (split !== undefined) {
      return redactParts(`${scheme}${split.user}:${HIDDEN}@${split.remainder}`);
    }
  }
  return redactParts(url);
}

/** `scheme://` at the start of a text. */
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * The user name and what follows the password of `rest` (a URL after `scheme://`) when it has
 * `user:password@`. The password is taken as written, unencoded `/`, `?`, `#`, `@` and `%`
 * included: it ends at the first `@` after which no `@` comes before a `?` or `#` (host, port
 * and path never hold one). A text of that shape without a password may lose more than its
 * password (`host:port/path?q=a@b` shows as `host:***@b`): a secret is never shown.
 */
function splitUserinfo(rest: string): { user: string; remainder: string } | undefined {
  const userEnd = rest.search(/[/?#@:]/);
  if (userEnd === -1 || rest[userEnd] !== ':') return undefined;
  for (let at = rest.indexOf('@', userEnd); at !== -1; at = rest.indexOf('@', at + 1)) {
    const remainder = rest.slice(at + 1);
    if (!(remainder.split(/[?#]/, 1)[0] ?? '').includes('@')) {
      return { user: rest.slice(0, userEnd), remainder };
    }
  }
  return undefined;
}

/** Hides the password, the query values and the fragment of a URL whose password is masked or plain. */
function redactParts(url: string): string {
  if (URL.canParse(url)) {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = HIDDEN;
    parsed.hash = '';
    if (parsed.search !== '') {
      const names = [...parsed.searchParams.keys()];
      // Built by hand: URLSearchParams would percent-encode the asterisks.
      parsed.search = names.map((name) => `${encodeURIComponent(name)}=${HIDDEN}`).join('&');
    }
    return parsed.href;
  }
  const withoutFragment = url.split('#', 1)[0] ?? '';
  const queryAt = withoutFragment.indexOf('?');
  const beforeQuery = queryAt === -1 ? withoutFragment : withoutFragment.slice(0, queryAt);
  const query = queryAt === -1 ? '' : `?${HIDDEN}`;
  return beforeQuery.replace(CREDENTIALS, `$1${HIDDEN}@`) + query;
}
