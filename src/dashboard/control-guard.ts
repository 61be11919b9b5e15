import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The header the page sends with every control request; a cross-site form cannot set it. */
export const CONTROL_HEADER = 'x-batchactions-dashboard';

/** Why a control request is refused (always 403): the page shows the message. */
export type ControlRefusal =
  | { readonly code: 'CONTROL_DISABLED'; readonly message: string }
  | { readonly code: 'BAD_TOKEN'; readonly message: string }
  | { readonly code: 'CROSS_SITE'; readonly message: string };

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Compares in constant time (over the hashes, so the lengths leak nothing either). */
function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * True when the request comes from a page of the same origin, as far as the browser says: an
 * `Origin` header, when present, names the `Host` the request was sent to, and
 * `Sec-Fetch-Site`, when present, is `same-origin`. Clients other than browsers send neither.
 */
function sameOrigin(req: IncomingMessage): boolean {
  const site = header(req, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = header(req, 'origin');
  if (origin === undefined) return true;
  const host = header(req, 'host');
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    // An Origin that is not a URL ("null" from a sandboxed frame) is not ours.
    return false;
  }
}

/**
 * Checks a control request: control must be on (a token configured), the request must carry
 * the token (`Authorization: Bearer`), the dashboard's own header (which a cross-site form
 * cannot send, and which a cross-site script can only send after a CORS preflight that the
 * dashboard never grants) and no cross-site `Origin`. Returns why it is refused, or undefined.
 */
export function refuseControl(
  req: IncomingMessage,
  token: string | undefined,
): ControlRefusal | undefined {
  if (token === undefined) {
    return {
      code: 'CONTROL_DISABLED',
      message:
        'control is off: the dashboard is read-only (start it with --allow-control and a token)',
    };
  }
  if (header(req, CONTROL_HEADER) !== '1' || !sameOrigin(req)) {
    return {
      code: 'CROSS_SITE',
      message: `control requests must come from the dashboard's page (same origin, with the ${CONTROL_HEADER} header)`,
    };
  }
  const authorization = header(req, 'authorization') ?? '';
  const match = /^Bearer (.+)$/.exec(authorization);
  if (match?.[1] === undefined || !sameSecret(match[1], token)) {
    return { code: 'BAD_TOKEN', message: 'the control token is missing or wrong' };
  }
  return undefined;
}
