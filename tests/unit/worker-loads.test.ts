import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireFreshBuild } from '../support/built-output';

const root = fileURLToPath(new URL('../../', import.meta.url));
const hooks = fileURLToPath(new URL('../fixtures/loaded-modules.mjs', import.meta.url));
const program = fileURLToPath(new URL('../fixtures/worker-loads.mjs', import.meta.url));

/**
 * Libraries a worker never needs: the CSV and XML parsers', the CLI's option parser, and
 * OpenTelemetry's API while no SDK is registered (installed here, a development dependency).
 */
const NOT_FOR_WORKERS = ['csv-parse', 'saxes', 'commander', '@opentelemetry/api'];

/**
 * Runs the worker program on the built packages: what it printed, and the packages it loaded, by
 * name (`@batchactions/x` for this repository's workspaces, whose files resolve to packages/x).
 */
function run(withParsers: boolean): { processed: string; packages: Set<string> } {
  const child = spawnSync(process.execPath, ['--import', hooks, program], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, LOADED_MODULES_FD: '2', WITH_PARSERS: withParsers ? '1' : '0' },
  });
  expect(child.status, child.stderr).toBe(0);
  const packages = new Set<string>();
  for (const line of child.stderr.split('\n')) {
    const url = /^loaded (.+)$/.exec(line)?.[1];
    if (url === undefined) continue;
    const dependency = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
    const workspace = url.startsWith(`file://${root}packages/`)
      ? /\/packages\/([^/]+)\//.exec(url)?.[1]
      : undefined;
    if (dependency !== undefined) packages.add(dependency);
    if (workspace !== undefined) packages.add(`@batchactions/${workspace}`);
  }
  return { processed: child.stdout.trim(), packages };
}

describe('what a worker process loads (issue 28: a worker stays small)', () => {
  beforeAll(() => {
    requireFreshBuild('distributed');
  });

  it('prepares and works a job through the facade without loading the parsers or the CLI', () => {
    const { processed, packages } = run(false);
    expect(processed).toBe('processed 2');
    // The check sees the packages it should: the facade's own dependencies.
    expect(packages.has('@batchactions/core')).toBe(true);
    expect(packages.has('@batchactions/import')).toBe(true);
    expect(NOT_FOR_WORKERS.filter((name) => packages.has(name))).toEqual([]);
  });

  it('sees the parsers loaded once @batchactions/import itself is imported', () => {
    const { packages } = run(true);
    expect(packages.has('csv-parse')).toBe(true);
    expect(packages.has('saxes')).toBe(true);
  });
});
