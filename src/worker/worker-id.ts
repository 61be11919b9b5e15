import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * The worker id used when none is given: `<host name>-<pid>-<8 random hex digits>`. The host name
 * comes from the operating system (`os.hostname()`; the `HOSTNAME` variable is a shell's, often
 * unset in services and containers' init processes), and the random part keeps two workers
 * apart even when host names and pids repeat (containers of one image are all pid 1 on hosts
 * named alike). Claims and releases check the worker id, so ids must never collide.
 */
export function defaultWorkerId(): string {
  const host = hostname().trim() || 'host';
  return `${host}-${process.pid}-${randomBytes(4).toString('hex')}`;
}
