// Lints every package as it would be published: publint (every message, suggestions included)
// and @arethetypeswrong/cli (types resolve under node10, node16 from CJS and ESM, and bundler,
// and match the JavaScript they describe). Run after `npm run build`; exits 1 on any finding.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const attw = join(dirname(require.resolve('@arethetypeswrong/cli/package.json')), 'dist/index.js');

const packageDirs = [
  '.',
  'packages/core',
  'packages/import',
  'packages/state-sql',
  'packages/state-postgres',
  'packages/state-sqlite',
  'packages/state-sequelize',
  'packages/state-prisma',
];

const failures = [];

for (const relative of packageDirs) {
  const dir = join(root, relative);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const name = manifest.name;

  const { messages } = await publint({ pkgDir: dir, level: 'suggestion', pack: 'npm' });
  for (const message of messages) {
    failures.push(`${name}: publint ${message.type}: ${formatMessage(message, manifest)}`);
  }
  console.log(
    `publint ${name}: ${messages.length === 0 ? 'clean' : `${messages.length} finding(s)`}`,
  );

  try {
    execFileSync(process.execPath, [attw, '--pack', '.', '--format', 'ascii'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    console.log(`attw    ${name}: clean`);
  } catch (error) {
    failures.push(`${name}: @arethetypeswrong/cli found problems:\n${error.stdout}${error.stderr}`);
    console.log(`attw    ${name}: problems`);
  }
}

if (failures.length > 0) {
  console.error(`\ncheck:packages FAILED:\n${failures.join('\n')}`);
  process.exit(1);
}
console.log('\nevery package is clean under publint and @arethetypeswrong/cli');
