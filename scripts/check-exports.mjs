// Loads every built package both ways (ESM import() and CJS require()) and checks that the
// documented runtime names are there. Run after `npm run build`.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const expected = {
  '@batchactions/distributed': [
    'DistributedImport',
    'isDistributedStateStore',
    'runWorker',
    'DistributedStoreRequiredError',
  ],
  '@batchactions/core': [
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
  '@batchactions/import': [
    'SchemaValidator',
    'UniqueValueTracker',
    'CsvParser',
    'JsonParser',
    'XmlParser',
    'ParseError',
  ],
  '@batchactions/state-postgres': ['PostgresStateStore'],
  '@batchactions/state-sqlite': ['SqliteStateStore'],
};

let failures = 0;
for (const [name, names] of Object.entries(expected)) {
  // vitest is only a peer of the testing entry; requiring it from CJS needs vitest's CJS build,
  // which vitest does not ship, so that entry is checked as ESM only.
  const ways = name.endsWith('/testing') ? ['import'] : ['import', 'require'];
  for (const way of ways) {
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
