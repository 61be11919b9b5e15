import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultWorkerId } from '../../src/worker/worker-id';

const savedHostname = process.env.HOSTNAME;

afterEach(() => {
  if (savedHostname === undefined) delete process.env.HOSTNAME;
  else process.env.HOSTNAME = savedHostname;
});

describe('default worker ids', () => {
  it('are <os host name>-<pid>-<8 hex digits>, whatever HOSTNAME says', () => {
    process.env.HOSTNAME = 'from-the-shell';
    const id = defaultWorkerId();
    expect(id.startsWith(`${hostname()}-${process.pid}-`)).toBe(true);
    expect(id).toMatch(/-[0-9a-f]{8}$/);
    expect(id).not.toContain('from-the-shell');
    delete process.env.HOSTNAME;
    expect(defaultWorkerId().startsWith(`${hostname()}-${process.pid}-`)).toBe(true);
  });

  it('differ between calls of one process (same host, same pid)', () => {
    const ids = new Set(Array.from({ length: 200 }, () => defaultWorkerId()));
    expect(ids.size).toBe(200);
  });
});
