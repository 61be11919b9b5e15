import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The TypeScript examples of the published `@batchactions/import` README (a verbatim copy in
 * fixtures/), run unchanged. The quick start calls `saveUser`, which the README leaves to the
 * reader: it is defined before the snippet and records what it was given.
 */
const here = fileURLToPath(new URL('.', import.meta.url));
const readme = await readFile(join(here, 'fixtures/published-import-README.md'), 'utf8');
const snippets = [...readme.matchAll(/```typescript\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');

const PRELUDE = `
const saved: unknown[] = [];
(globalThis as { __saved?: unknown[] }).__saved = saved;
async function saveUser(record: unknown): Promise<void> {
  saved.push(record);
}
`;

describe('published @batchactions/import README examples', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(here, '.published-readme-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('has the quick start and the template example', () => {
    expect(snippets).toHaveLength(2);
  });

  it('runs the quick start unchanged: preview, then start hands the record to saveUser', async () => {
    const file = join(dir, 'quick-start.ts');
    // The snippet imports first; the prelude goes after its import lines.
    const code = snippets[0] ?? '';
    const importEnd = code.indexOf('\n\n');
    await writeFile(
      file,
      `${code.slice(0, importEnd)}\n${PRELUDE}\n${code.slice(importEnd)}\nexport { preview };\n`,
    );
    const logs: unknown[][] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => logs.push(args);
    try {
      const module = (await import(file)) as {
        preview: { validRecords: unknown[]; invalidRecords: unknown[] };
      };
      expect(module.preview.validRecords).toHaveLength(1);
      expect(module.preview.invalidRecords).toEqual([]);
    } finally {
      console.log = original;
    }
    expect(logs).toHaveLength(1);
    // Published: no coercion, so age arrives as the string '30'.
    expect((globalThis as { __saved?: unknown[] }).__saved).toEqual([
      { email: 'user@example.com', age: '30' },
    ]);
  });

  it('runs the template example unchanged', async () => {
    const file = join(dir, 'template.ts');
    await writeFile(file, `${snippets[1] ?? ''}\nexport { csvTemplate };\n`);
    const module = (await import(file)) as { csvTemplate: string };
    expect(module.csvTemplate).toBe(
      'email,name\nuser1@example.com,name_1\nuser2@example.com,name_2',
    );
  });
});
