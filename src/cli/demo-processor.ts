import { createHash } from 'node:crypto';
import type { ParsedRecord } from '@batchactions/core';

let digestsComputed = 0;

/**
 * The demo's record processor: does a little real CPU work per record (a SHA-256 of the
 * normalised email, as a pseudonymisation step would) and no I/O or sleeping, so the demo
 * measures the library and the store, not a fake workload.
 */
export default function demoProcessor(record: ParsedRecord): void {
  const email = typeof record.email === 'string' ? record.email.trim().toLowerCase() : '';
  const digest = createHash('sha256').update(email).digest('hex');
  if (digest.length !== 64) throw new Error(`Unexpected digest length ${digest.length}`);
  digestsComputed += 1;
}

/** Records this process has hashed (for diagnostics). */
export function demoDigestCount(): number {
  return digestsComputed;
}
