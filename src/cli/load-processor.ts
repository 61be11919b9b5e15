import type { RecordProcessorFn } from '@batchactions/core';
import { CliUsageError } from './cli-errors';
import { importUserModule } from './load-module';

/**
 * Imports a processor module: its default export, or its named export `processor`, must be a
 * `RecordProcessorFn` (`(record, context) => void | Promise<void>`).
 */
export async function loadProcessor(file: string): Promise<RecordProcessorFn> {
  const exports = await importUserModule('--processor', file);
  const candidate = typeof exports.default === 'function' ? exports.default : exports.processor;
  if (typeof candidate !== 'function') {
    throw new CliUsageError(
      `--processor ${file}: the module exports no processor function ` +
        '(export it as default or as "processor": (record, context) => void | Promise<void>)',
    );
  }
  return candidate as RecordProcessorFn;
}
