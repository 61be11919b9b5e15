import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { MODEL_NAMES, MODEL_TABLES, modelsText, type ModelsProvider } from './models';

/** Where the command writes, and its exit code. */
export interface InitIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const USAGE = [
  'Usage: batchactions-prisma init [--schema=<path>]',
  '',
  'Adds batchactions models to your Prisma schema.',
];

const SUPPORTED: ReadonlySet<string> = new Set(['postgresql', 'mysql', 'sqlite']);

/** The value of the last `--name=value` argument, if any. */
function flag(args: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (const arg of args) {
    if (arg.startsWith(`--${name}=`)) value = arg.slice(name.length + 3);
  }
  return value;
}

/** The schema text without `//` comments (so a commented-out model does not count). */
function withoutComments(text: string): string {
  return text.replace(/\/\/.*$/gm, '');
}

/** The `provider` of the schema's `datasource` block, if it has one. */
export function datasourceProvider(text: string): string | undefined {
  const block = /datasource\s+\w+\s*\{([^}]*)\}/.exec(withoutComments(text));
  const provider = block && /provider\s*=\s*"([^"]+)"/.exec(block[1] ?? '');
  return provider?.[1];
}

/** The reference models declared in the schema (`model Name {`). */
function declaredModels(text: string): string[] {
  const code = withoutComments(text);
  return MODEL_NAMES.filter((name) => new RegExp(`^\\s*model\\s+${name}\\s*\\{`, 'm').test(code));
}

function nextSteps(provider: ModelsProvider): string[] {
  const tables = MODEL_TABLES.map((t) => `"${provider === 'postgresql' ? 'public.' : ''}${t}"`);
  return [
    'Next steps:',
    '  The store creates and migrates these tables itself (on its first call). Keep',
    '  `prisma migrate` away from them in prisma.config.ts:',
    '    experimental: { externalTables: true },',
    `    tables: { external: [${tables.join(', ')}] },`,
    '  npx prisma generate',
  ];
}

/**
 * `batchactions-prisma init [--schema=<path>]`: appends the store's models to a Prisma schema,
 * the ones that fit its datasource's provider. Returns the exit code.
 *
 * As published (0.0.3): the usage when the first argument is not `init` (exit 0); `--schema=`
 * (the last one wins), else `prisma/schema.prisma` then `schema.prisma`; the same messages.
 * Unlike 0.0.3: the provider is checked (SQLite gets models without native types; SQL Server,
 * CockroachDB and MongoDB are refused with the schema left unchanged), "already present" means
 * declared models (not a substring anywhere, comments included), a schema holding only some of
 * them is refused, and a directory is an error message instead of a crash.
 */
export function runInit(args: readonly string[], cwd: string, io: InitIo): number {
  if (args[0] !== 'init') {
    for (const line of USAGE) io.out(line);
    return 0;
  }
  const given = flag(args, 'schema');
  const candidates =
    given === undefined
      ? [resolve(cwd, 'prisma/schema.prisma'), resolve(cwd, 'schema.prisma')]
      : [resolve(cwd, given)];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) {
    io.err('Error: Could not find Prisma schema file.');
    io.err('Specify the path: batchactions-prisma init --schema=prisma/schema.prisma');
    return 1;
  }
  const schemaPath = given ?? found;
  if (!statSync(found).isFile()) {
    io.err(`Error: ${schemaPath} is a directory, not a Prisma schema file.`);
    io.err('Specify the path: batchactions-prisma init --schema=prisma/schema.prisma');
    return 1;
  }
  const text = readFileSync(found, 'utf8');
  const declared = declaredModels(text);
  if (declared.length === MODEL_NAMES.length) {
    io.out('Batchactions models already exist in the schema. Nothing to do.');
    return 0;
  }
  if (declared.length > 0) {
    const missing = MODEL_NAMES.filter((name) => !declared.includes(name));
    io.err(`Error: ${schemaPath} declares ${declared.join(', ')} but not ${missing.join(', ')}.`);
    io.err(
      'Remove the batchactions models from it and run init again, or add the missing ones by hand.',
    );
    return 1;
  }
  const provider = datasourceProvider(text);
  if (provider === undefined || !SUPPORTED.has(provider)) {
    io.err(
      provider === undefined
        ? `Error: ${schemaPath} has no datasource block with a provider.`
        : `Error: the datasource provider "${provider}" is not supported.`,
    );
    io.err(
      'PrismaStateStore supports the "postgresql", "mysql" (also MariaDB) and "sqlite" providers; the schema was not changed.',
    );
    return 1;
  }
  const models = modelsText(provider as ModelsProvider);
  appendFileSync(
    found,
    `\n// @batchactions/state-prisma: the store's tables (it creates them)\n\n${models}`,
  );
  io.out(`Added batchactions models to ${schemaPath}`);
  io.out('');
  for (const line of nextSteps(provider as ModelsProvider)) io.out(line);
  return 0;
}
