import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A built part of the repository: the facade (root) or one workspace package. */
export type BuiltPart =
  | 'distributed'
  | 'core'
  | 'import'
  | 'state-sql'
  | 'state-postgres'
  | 'state-sqlite'
  | 'state-sequelize'
  | 'state-prisma';

function directoryOf(part: BuiltPart): string {
  return part === 'distributed' ? '' : `packages/${part}/`;
}

function newestFile(dir: string): { path: string; mtimeMs: number } {
  let newest = { path: dir, mtimeMs: 0 };
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    const candidate = entry.isDirectory()
      ? newestFile(path)
      : { path, mtimeMs: statSync(path).mtimeMs };
    if (candidate.mtimeMs > newest.mtimeMs) newest = candidate;
  }
  return newest;
}

/**
 * Tests that run built code (child processes, the CLI) call this first: it throws, saying what
 * to run, when a part's `dist` is missing or older than a file of its `src`, so that a test never
 * passes or fails on a stale build (`npm test` builds first; `npx vitest` does not). The facade
 * loads core and import, so they are always checked with it.
 */
export function requireFreshBuild(...parts: readonly BuiltPart[]): void {
  const all = new Set<BuiltPart>(parts);
  if (all.has('distributed')) {
    all.add('core');
    all.add('import');
  }
  const stale: string[] = [];
  for (const part of all) {
    const dir = directoryOf(part);
    const built = `${root}${dir}dist/index.js`;
    if (!existsSync(built)) {
      stale.push(`${dir}dist/index.js is missing`);
      continue;
    }
    const source = newestFile(`${root}${dir}src`);
    if (source.mtimeMs > statSync(built).mtimeMs) {
      stale.push(`${source.path.slice(root.length)} changed after ${dir}dist was built`);
    }
  }
  if (stale.length > 0) {
    throw new Error(
      `These tests run the built packages, and the build is not current (${stale.join('; ')}): run \`npm run build\` first (\`npm test\` does it).`,
    );
  }
}
