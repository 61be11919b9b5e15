import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { InvalidOptionError } from '@batchactions/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { limitYoungGeneration } from '../../src/index';
import { requireFreshBuild } from '../support/built-output';

const root = fileURLToPath(new URL('../../', import.meta.url));
const program = fileURLToPath(new URL('../fixtures/young-generation.mjs', import.meta.url));
const worker = fileURLToPath(new URL('../fixtures/young-generation-worker.mjs', import.meta.url));
const MB = 2 ** 20;

interface Outcome {
  readonly limit?: { applied: boolean; semiSpaceMb?: number; keptFlag?: string };
  readonly newSpaceBytes: number;
}

/**
 * Runs the allocating program in a node process of its own (V8's flags are the process's):
 * `limit` is `none` (no call), `default` (no options) or a `semiSpaceMb`.
 */
function run(limit: string, nodeArgs: string[] = [], nodeOptions = '', script = program): Outcome {
  const child = spawnSync(process.execPath, [...nodeArgs, script], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, LIMIT: limit, NODE_OPTIONS: nodeOptions },
  });
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout.trim()) as Outcome;
}

describe('limitYoungGeneration (issue 28: a worker process stays small)', () => {
  beforeAll(() => {
    requireFreshBuild('distributed');
  });

  it('holds the young generation at two 4 MB semi-spaces where V8 alone grows it to 32 MB', () => {
    // The control: the same allocations without the call grow it past the cap (32 MB on Node 20).
    const grown = run('none');
    expect(grown.newSpaceBytes).toBeGreaterThan(8 * MB);
    const limited = run('default');
    expect(limited.limit).toEqual({ applied: true, semiSpaceMb: 4 });
    expect(limited.newSpaceBytes).toBeLessThanOrEqual(8 * MB);
  });

  it('holds it in a worker that never yields to the event loop, by checking around each batch', () => {
    // The in-memory store answers at once, as SQLite does: without the facade's check at batch
    // boundaries the gc observer's callback comes too late and the young generation reaches 32 MB.
    const grown = run('0', [], '', worker);
    expect(grown.newSpaceBytes).toBeGreaterThan(8 * MB);
    const limited = run('1', [], '', worker);
    expect(limited.newSpaceBytes).toBeLessThanOrEqual(8 * MB);
  });

  it('keeps the size a process was started with, from its arguments or NODE_OPTIONS', () => {
    const fromArguments = run('default', ['--max-semi-space-size=2']);
    expect(fromArguments.limit).toEqual({ applied: false, keptFlag: '--max-semi-space-size=2' });
    expect(fromArguments.newSpaceBytes).toBe(4 * MB);
    const fromOptions = run('default', [], '--max_semi_space_size=2');
    expect(fromOptions.limit).toEqual({ applied: false, keptFlag: '--max_semi_space_size=2' });
    expect(fromOptions.newSpaceBytes).toBe(4 * MB);
  });

  it('refuses a size V8 does not step through, naming the option, before changing anything', () => {
    for (const semiSpaceMb of [0, 3, 32, 1.5, Number.NaN]) {
      expect(() => limitYoungGeneration({ semiSpaceMb })).toThrow(InvalidOptionError);
    }
    expect(() => limitYoungGeneration({ semiSpaceMb: 3 })).toThrow(
      'Invalid option "semiSpaceMb": expected one of 1, 2, 4, 8, 16, got 3',
    );
    expect(() => limitYoungGeneration(null as never)).toThrow(InvalidOptionError);
  });
});
