import type { ServerResponse } from 'node:http';

/**
 * The page's Content-Security-Policy: scripts, styles and requests only from the dashboard
 * itself, nothing inline, no frames, no forms, no base tag.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers of every answer: no sniffing, no framing, no referrer, no caching. */
function setSafetyHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
}

/** Sends `body` with `contentType` and the safety headers. */
export function sendText(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  setSafetyHeaders(res);
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.end(body);
}

/** Sends `value` as JSON. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  sendText(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

/** Sends `{ error: { code, message } }` with `status`. */
export function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
): void {
  sendJson(res, status, { error: { code, message } });
}

/** Redirects to `location` (a path of the dashboard). */
export function redirect(res: ServerResponse, location: string): void {
  setSafetyHeaders(res);
  res.statusCode = 308;
  res.setHeader('Location', location);
  res.end();
}
