import { FilePathSource, UrlSource, type DataSource } from '@batchactions/core';
import { Command, Option } from 'commander';
import { DistributedImport } from '../../distributed-import';
import { formatCount, formatDuration, formatRate } from '../format';
import { loadSchema } from '../load-schema';
import { withStore } from '../open-store';
import { integerAtLeast, readableFile, readableFileOrUrl } from '../option-parsers';
import { runAction } from '../run-action';
import {
  MALFORMED_ROWS_MODES,
  parserFor,
  resolveFormat,
  SOURCE_FORMATS,
  type SourceFormat,
} from '../source-format';
import type { MalformedRowsMode } from '@batchactions/import';
import { storeOption, type StoreLocation } from '../store-url';

/** Options of `prepare`, as commander parses them. */
export interface PrepareCommandOptions {
  readonly schema: string;
  readonly store: StoreLocation;
  readonly batchSize?: number;
  readonly format?: SourceFormat;
  readonly recordElement?: string;
  readonly malformedRows?: MalformedRowsMode;
  readonly json?: boolean;
}

/** True for the `http://` and `https://` sources `prepare` downloads with `UrlSource`. */
function isHttpUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** The data source for a `prepare` argument: a local file, or an `http(s)://` URL. */
function sourceFor(source: string): DataSource {
  return isHttpUrl(source) ? new UrlSource(source) : new FilePathSource(source);
}

/** The path part of a source, whose extension tells the format (a URL's query is not part). */
function pathOf(source: string): string {
  return isHttpUrl(source) ? new URL(source).pathname : source;
}

/**
 * `prepare <file|url>`: streams a file (or an `http(s)://` URL) into the store as a job of
 * batches; prints the job id.
 */
export async function prepareFile(file: string, options: PrepareCommandOptions): Promise<void> {
  const format = resolveFormat(pathOf(file), options.format);
  const parser = parserFor({
    format,
    ...(options.recordElement === undefined ? {} : { recordElement: options.recordElement }),
    ...(options.malformedRows === undefined ? {} : { malformedRows: options.malformedRows }),
  });
  const schema = await loadSchema(options.schema);
  await withStore(options.store, 'create', async ({ store }) => {
    const importer = new DistributedImport({
      schema,
      stateStore: store,
      ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
    });
    const started = performance.now();
    const result = await importer.prepare(sourceFor(file), parser);
    const elapsed = performance.now() - started;
    if (options.json === true) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    // The id alone on stdout, so `JOB=$(batchactions-distributed prepare ...)` works.
    process.stdout.write(`${result.jobId}\n`);
    process.stderr.write(
      `Prepared ${formatCount(result.totalRecords)} records in ${formatCount(result.totalBatches)} batches ` +
        `(${format}) in ${formatDuration(elapsed)}: ${formatRate(result.totalRecords, elapsed)}\n`,
    );
  });
}

/** Adds the `prepare` command to the program. */
export function addPrepareCommand(program: Command): void {
  program
    .command('prepare')
    .description(
      'Read a file (or an http(s):// URL) once and store its records in batches as a new job; print the job id.',
    )
    .argument(
      '<file>',
      'CSV, JSON (array), NDJSON or XML: a local file or an http(s):// URL',
      readableFileOrUrl,
    )
    .requiredOption(
      '--schema <file>',
      'schema: .json, or an ES module exporting it (required)',
      readableFile,
    )
    .addOption(storeOption({ required: true }))
    .option('--batch-size <n>', 'records per batch (default: 100)', integerAtLeast(1))
    .addOption(
      new Option('--format <format>', 'file format (default: from the file extension)').choices(
        SOURCE_FORMATS,
      ),
    )
    .option(
      '--record-element <name>',
      'XML: the element that is a record (default: children of the root)',
    )
    .addOption(
      new Option(
        '--malformed-rows <mode>',
        'CSV: a row with the wrong number of fields is kept as a record (keep, as published), ' +
          'made an invalid record naming its line (invalid), or fails the prepare (fail) (default: keep)',
      ).choices(MALFORMED_ROWS_MODES),
    )
    .option('--json', 'print {"jobId","totalRecords","totalBatches"} as JSON')
    .action((file: string, options: PrepareCommandOptions, command: Command) =>
      runAction(command, () => prepareFile(file, options)),
    );
}
