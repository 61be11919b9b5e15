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
