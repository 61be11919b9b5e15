// The packages of this repository and how to pack them: shared by `npm run pack:all` (install
// from a clone) and `npm run check:install` (CI installs the tarballs into a fresh project).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = dirname(dirname(fileURLToPath(import.meta.url)));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Each package's name and folder. */
export const PACKAGE_DIRS = {
  '@batchactions/distributed': root,
  '@batchactions/core': join(root, 'packages/core'),
  '@batchactions/import': join(root, 'packages/import'),
  '@batchactions/state-sql': join(root, 'packages/state-sql'),
  '@batchactions/state-sqlite': join(root, 'packages/state-sqlite'),
  '@batchactions/state-postgres': join(root, 'packages/state-postgres'),
  '@batchactions/state-sequelize': join(root, 'packages/state-sequelize'),
  '@batchactions/state-prisma': join(root, 'packages/state-prisma'),
};

/**
 * `npm pack`s every package (built beforehand: `npm run build`) into `destination`; returns the
 * path of each tarball by package name. Throws naming the package that is not built or that
 * packs under another name.
 */
export function packPackages(destination) {
  const tarballs = {};
  for (const [name, dir] of Object.entries(PACKAGE_DIRS)) {
    const entrypoint = join(dir, 'dist');
    if (!existsSync(entrypoint))
      throw new Error(`${entrypoint} is missing: run \`npm run build\` first`);
    const output = execFileSync(npm, ['pack', '--json', '--pack-destination', destination], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32',
    });
    const [result] = JSON.parse(output);
    if (result.name !== name) throw new Error(`${dir} packed as ${result.name}, expected ${name}`);
    tarballs[name] = join(destination, result.filename);
  }
  return tarballs;
}
