import { FilePathSource } from '@batchactions/core';
import { Command, Option } from 'commander';
import { DistributedImport } from '../../distributed-import';
import { formatCount, formatDuration, formatRate } from '../format';
import { loadSchema } from '../load-schema';
import { withStore } from '../open-store';
import { integerAtLeast, readableFile } from '../option-parsers';
import { runAction } from '../run-action';
import { parserFor, resolveFormat, SOURCE_FORMATS, type SourceFormat } from '../source-format';
import { parseStoreUrl, STORE_URL_FORMS, type StoreLocation } from '../store-url';

/** Options of `prepare`, as commander parses them. */
export interface PrepareCommandOptions {
  readonly schema: string;
  readonly store: StoreLocation;
  readonly batchSize?: number;
  readonly format?: SourceFormat;
  readonly recordElement?: string;
  readonly json?: boolean;
}

/** `prepare <file>`: streams a file into the store as a job of batches; prints the job id. */
export async function prepareFile(file: string, options: PrepareCommandOptions): Promise<void> {
  const format = resolveFormat(file, options.format);
  const parser = parserFor({
    format,
    ...(options.recordElement === undefined ? {} : { recordElement: options.recordElement }),
  });
  const schema = await loadSchema(options.schema);
  await withStore(options.store, async ({ store }) => {
    const importer = new DistributedImport({
      schema,
      stateStore: store,
      ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
    });
    const started = performance.now();
    const result = await importer.prepare(new FilePathSource(file), parser);
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
      'Read a file once and store its records in batches as a new job; print the job id.',
    )
    .argument('<file>', 'CSV, JSON (array), NDJSON or XML file', readableFile)
    .requiredOption('--schema <file>', 'schema: .json, or an ES module exporting it', readableFile)
    .requiredOption('--store <url>', `state store: ${STORE_URL_FORMS}`, parseStoreUrl)
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
    .option('--json', 'print {"jobId","totalRecords","totalBatches"} as JSON')
    .action((file: string, options: PrepareCommandOptions, command: Command) =>
      runAction(command, () => prepareFile(file, options)),
    );
}
