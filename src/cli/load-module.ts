import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CliUsageError } from './cli-errors';

/**
 * Imports a user's ES module named by `option` (`--processor`, `--schema`). A file Node.js
 * cannot import (not JavaScript, a syntax error, an unknown extension, a missing dependency,
 * a throw at load time) is a usage error naming the option, the file and the reason.
 */
export async function importUserModule(
  option: string,
  file: string,
): Promise<Record<string, unknown>> {
  try {
    return (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliUsageError(
      `${option} ${file}: not an ES module Node.js can import (${reason.split('\n', 1)[0] ?? reason})`,
      { cause: error },
    );
  }
}
