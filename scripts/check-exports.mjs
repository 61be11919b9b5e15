// Loads every built package both ways (ESM import() and CJS require()) and checks that the
// documented runtime names are there. Run after `npm run build`.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

const expected = {
  '@batchactions/distributed': [
    'DistributedImport',
    'isDistributedStateStore',
    'runWorker',
    'DistributedStoreRequiredError',
    'PrepareInterruptedError',
  ],
  '@batchactions/core': [
    'BatchEngine',
    'JobContext',
    'canTransition',
    'validResult',
    'invalidResult',
    'clearBatchRecords',
    'FileStateStore',
    'runRecordPipeline',
    'validateRecord',
    'validateRecordNow',
    'decideRecord',
    'decideRecordNow',
    'processReadyRecord',
    'processReadyRecordNow',
    'settleProcessed',
    'settleProcessedNow',
    'commitFailure',
    'JobStatus',
    'BatchStatus',
    'BatchSplitter',
    'EventBus',
    'createPendingRecord',
    'markRecordValid',
    'markRecordInvalid',
    'markRecordFailed',
    'markRecordProcessed',
    'isEmptyRow',
    'createBatch',
    'hasErrors',
    'getWarnings',
    'getErrors',
    'isDistributedStateStore',
    'BufferSource',
    'FilePathSource',
    'StreamSource',
    'UrlSource',
    'InMemoryStateStore',
    'InMemoryDistributedStateStore',
    'BatchActionsError',
    'InvalidOptionError',
    'JobNotFoundError',
    'LeaseLostError',
    'SourceError',
  ],
  '@batchactions/core/testing': ['describeDistributedStateStore'],
  '@batchactions/core/telemetry': ['loadOtelApi', 'OtelInstruments', 'resolveOpenTelemetry'],
  '@batchactions/import': [
    'SchemaValidator',
    'UniqueValueTracker',
    'CsvParser',
    'JsonParser',
    'XmlParser',
    'ParseError',
    'FieldTransformError',
    'coerceFieldValue',
    'coerceRecordValues',
    'BufferSource',
    'FilePathSource',
    'StreamSource',
    'UrlSource',
    'InMemoryStateStore',
    'FileStateStore',
    'BatchEngine',
    'BulkImport',
    'BatchSplitter',
    'JobStatus',
    'BatchStatus',
    'isEmptyRow',
  ],
  '@batchactions/import/validation': [
    'SchemaValidator',
    'UniqueValueTracker',
    'uniqueFieldValues',
    'ParseError',
    'FieldTransformError',
    'coerceFieldValue',
    'coerceRecordValues',
  ],
  '@batchactions/state-sql': ['SqlStateStore', 'toQuestionMarks', 'isUniqueViolation'],
  '@batchactions/state-postgres': ['PostgresStateStore'],
  '@batchactions/state-sqlite': ['SqliteStateStore'],
  '@batchactions/state-sequelize': [
    'SequelizeStateStore',
    'SchemaVersionError',
    'UnsupportedDialectError',
  ],
  '@batchactions/state-prisma': [
    'PrismaStateStore',
    'SchemaVersionError',
    'UnsupportedProviderError',
  ],
};

let failures = 0;

// The testing entry imports vitest, which refuses to load outside the vitest runner: check
// that the entry resolves both ways and that its built files export the names.
async function checkTestingEntry(name, names) {
  for (const [way, resolved] of [
    ['import', fileURLToPath(import.meta.resolve(name))],
    ['require', require.resolve(name)],
  ]) {
    const text = await readFile(resolved, 'utf8');
    const missing = names.filter((n) => !new RegExp(`\\b${n}\\b`).test(text));
    if (missing.length > 0) {
      console.error(`FAIL ${way}(${name}) -> ${resolved} lacks ${missing.join(', ')}`);
      failures += 1;
    } else {
      console.log(
        `ok   ${way}(${name}): ${names.length} names (by text; vitest loads only under vitest)`,
      );
    }
  }
}

for (const [name, names] of Object.entries(expected)) {
  if (name.endsWith('/testing')) {
    await checkTestingEntry(name, names);
    continue;
  }
  for (const way of ['import', 'require']) {
    let mod;
    try {
      mod = way === 'import' ? await import(name) : require(name);
    } catch (error) {
      console.error(
        `FAIL ${way}(${name}): ${error instanceof Error ? error.message : String(error)}`,
      );
      failures += 1;
      continue;
    }
    const missing = names.filter((n) => mod[n] === undefined);
    if (missing.length > 0) {
      console.error(`FAIL ${way}(${name}) lacks ${missing.join(', ')}`);
      failures += 1;
    } else {
      console.log(`ok   ${way}(${name}): ${names.length} names`);
    }
  }
}
if (failures > 0) {
  console.error(`${failures} export check(s) failed`);
  process.exit(1);
}
