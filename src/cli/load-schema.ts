import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { InvalidOptionError } from '@batchactions/core';
import { SchemaValidator, type SchemaDefinition } from '@batchactions/import/validation';
import { CliUsageError } from './cli-errors';
import { importUserModule } from './load-module';
import { checkSchemaKeys } from './schema-keys';

const MODULE_EXTENSIONS = new Set(['.mjs', '.js', '.cjs']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * JSON has no regular expressions: a field's `pattern` may be written as a string (the RegExp
 * source, no flags), which becomes a RegExp here.
 */
function revivePatterns(file: string, schema: unknown): unknown {
  if (!isObject(schema) || !Array.isArray(schema.fields)) return schema;
  const fields = (schema.fields as unknown[]).map((field, index) => {
    if (!isObject(field) || typeof field.pattern !== 'string') return field;
    try {
      return { ...field, pattern: new RegExp(field.pattern) };
    } catch (error) {
      throw new CliUsageError(
        `--schema ${file}: fields[${index}].pattern "${field.pattern}" is not a valid regular expression (${
          error instanceof Error ? error.message : String(error)
        })`,
        { cause: error },
      );
    }
  });
  return { ...schema, fields };
}

async function readJsonSchema(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  try {
    return revivePatterns(file, JSON.parse(text));
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new CliUsageError(`--schema ${file}: not valid JSON (${error.message})`, {
        cause: error,
      });
    }
    throw error;
  }
}

async function importSchemaModule(file: string): Promise<unknown> {
  const exports = await importUserModule('--schema', file);
  const schema = exports.default ?? exports.schema;
  if (schema === undefined) {
    throw new CliUsageError(
      `--schema ${file}: the module exports no schema (export it as default or as "schema")`,
    );
  }
  return schema;
}

/**
 * Loads a schema file: `.json` (a `SchemaDefinition` as JSON; `pattern` as a string) or an ES
 * module `.mjs`/`.js` whose default export (or named export `schema`) is a `SchemaDefinition`.
 * The schema is checked here, so a bad one is reported as a usage error naming the file; so is
 * a key a schema or a field does not have (a typo such as `"requird"`), with its path and the
 * nearest known key.
 */
export async function loadSchema(file: string): Promise<SchemaDefinition> {
  const extension = extname(file).toLowerCase();
  let schema: unknown;
  if (extension === '.json') schema = await readJsonSchema(file);
  else if (MODULE_EXTENSIONS.has(extension)) schema = await importSchemaModule(file);
  else {
    throw new CliUsageError(
      `--schema ${file}: unsupported extension "${extension}"; use a .json file or an ES module (.mjs/.js)`,
    );
  }
  if (!isObject(schema) || !Array.isArray(schema.fields)) {
    throw new CliUsageError(`--schema ${file}: expected an object with a "fields" array`);
  }
  checkSchemaKeys(file, schema);
  try {
    new SchemaValidator(schema as unknown as SchemaDefinition);
  } catch (error) {
    if (error instanceof InvalidOptionError) {
      throw new CliUsageError(`--schema ${file}: ${error.message}`, { cause: error });
    }
    throw error;
  }
  return schema as unknown as SchemaDefinition;
}
