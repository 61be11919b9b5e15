#!/usr/bin/env node
// `npm run pack:all`: builds every package and packs it into packed/, then prints the lines that
// install the tarballs into another project, until the packages are on a registry.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { packPackages, root } from './pack-packages.mjs';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const build = spawnSync(npm, ['run', 'build', '--silent'], {
  cwd: root,
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
if (build.status !== 0) {
  console.error(`pack:all: the build failed (exit code ${String(build.status)})`);
  process.exit(1);
}

const destination = join(root, 'packed');
rmSync(destination, { recursive: true, force: true });
mkdirSync(destination);
const tarballs = packPackages(destination);
const base = ['@batchactions/distributed', '@batchactions/core', '@batchactions/import'];
const line = (...names) => `npm install ${[...base, ...names].map((n) => tarballs[n]).join(' ')}`;

console.log(
  `\nPacked ${Object.keys(tarballs).length} packages into ${destination}. In your project, pick one:\n`,
);
console.log(
  `# SQLite: one host, many processes, no server\n${line('@batchactions/state-sqlite')}\n`,
);
console.log(
  `# PostgreSQL: many machines\n${line('@batchactions/state-sql', '@batchactions/state-postgres')}\n`,
);
console.log(
  `# Your Sequelize v6 instance (add your dialect's driver)\n${line('@batchactions/state-sql', '@batchactions/state-sequelize')} sequelize pg pg-hstore`,
);
console.log(
  `\n# Your Prisma 7 (or 6) client (add your database's driver adapter)\n${line('@batchactions/state-sql', '@batchactions/state-prisma')} @prisma/client @prisma/adapter-pg`,
);
