import { BulkImport, CsvParser, BufferSource } from '@batchactions/import';

const saved: unknown[] = [];
(globalThis as { __saved?: unknown[] }).__saved = saved;
async function saveUser(record: unknown): Promise<void> {
  saved.push(record);
}



const importer = new BulkImport({
  schema: {
    fields: [
      { name: 'email', type: 'email', required: true },
      { name: 'age', type: 'number' },
    ],
  },
  batchSize: 500,
  continueOnError: true,
});

importer.from(new BufferSource('email,age\nuser@example.com,30'), new CsvParser());

const preview = await importer.preview(10);
console.log(preview.validRecords, preview.invalidRecords);

await importer.start(async (record) => {
  await saveUser(record);
});

export { preview };
