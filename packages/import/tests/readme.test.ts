import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));
const readme = await readFile(join(here, '../README.md'), 'utf8');
const snippets = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');

describe('README snippets', () => {
  let dir: string;

  beforeAll(async () => {
    // Inside the package so the snippets' `@batchactions/import` imports resolve like the tests'.
    dir = await mkdtemp(join(here, '.readme-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('has snippets to run', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(3);
  });

  snippets.forEach((code, index) => {
    it(`runs snippet ${index + 1}: ${code.split('\n')[0] ?? ''}`, async () => {
      const file = join(dir, `snippet-${index + 1}.ts`);
      await writeFile(file, `${code}\nexport {};\n`);
      await expect(import(file)).resolves.toBeDefined();
    });
  });
});
