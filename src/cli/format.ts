import { inspect } from 'node:util';
import { redactUrl } from '@batchactions/core';
import { STORE_URL_FORMS } from './store-url-forms';

/** Text helpers for the CLI's human-readable output. */

/**
 * `1234567` → `1,234,567`, rounded half away from zero as `Intl.NumberFormat('en-US')` does.
 * Written out rather than through `Intl`: an `Intl.NumberFormat` loads ICU's locale data (about
 * 7 MB of resident memory), and the CLI's `work` formats a line per batch in a process that
 * should stay small.
 */
export function formatCount(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  const rounded = Math.sign(value) * Math.round(Math.abs(value));
  const digits = integerDigits(Math.abs(rounded));
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return rounded < 0 ? `-${grouped}` : grouped;
}

/**
 * A non-negative integer's shortest decimal digits, written out in full (`1e+21` →
 * `1000000000000000000000`), as `Intl` prints them.
 */
function integerDigits(value: number): string {
  const text = String(value);
  const exponent = /^(\d)(?:\.(\d+))?e\+(\d+)$/.exec(text);
  if (exponent === null) return text;
  const [, first, rest = '', power] = exponent;
  return `${first}${rest}${'0'.repeat(Number(power) - rest.length)}`;
}

/** Records per second over `elapsedMs`, as text (`12,345 records/s`). */
export function formatRate(records: number, elapsedMs: number): string {
  if (elapsedMs <= 0) return 'n/a records/s';
  return `${formatCount((records * 1000) / elapsedMs)} records/s`;
}

/** `950` → `950 ms`, `12345` → `12.3 s`, `125000` → `2 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  if (minutes < 60) return `${minutes} min ${seconds} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Bytes as mebibytes (`123.4 MB`). */
export function formatMegabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Peak resident set size of this process so far, in bytes. */
export function peakRssBytes(): number {
  // resourceUsage reports maxRSS in kilobytes.
  return process.resourceUsage().maxRSS * 1024;
}

/** Anything shaped like `scheme://…` in a text. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]*[^\s'"<>.,;:)]/gi;

/**
 * The text with every URL in it redacted (password and query values hidden, see `redactUrl`):
 * the last guard before a message reaches the terminal, for texts the CLI did not write itself
 * (driver errors, causes).
 */
export function scrubSecrets(text: string): string {
  // The forms of our own help (`postgres://user[:password]@host...`) hold no secret: kept
  // readable.
  return text
    .split(STORE_URL_FORMS)
    .map((part) => part.replace(URL_IN_TEXT, (url) => redactUrl(url)))
    .join(STORE_URL_FORMS);
}

/** An error's message followed by the messages of its causes, with secrets scrubbed. */
export function describeError(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth += 1) {
    const message =
      current instanceof Error
        ? current.message
        : typeof current === 'string'
          ? current
          : inspect(current);
    // A cause already quoted by the message above it adds nothing.
    if (depth === 0 || !lines.some((line) => line.includes(message))) {
      lines.push(depth === 0 ? message : `  caused by: ${message}`);
    }
    current = current instanceof Error ? current.cause : undefined;
  }
  return scrubSecrets(lines.join('\n'));
}
