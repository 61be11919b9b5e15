import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quickStart } from '../examples/quick-start';

const root = new URL('../', import.meta.url);

describe('README', () => {
  it('shows the quick start exactly as examples/quick-start.ts has it', async () => {
    const readme = await readFile(new URL('README.md', root), 'utf8');
    const example = await readFile(new URL('examples/quick-start.ts', root), 'utf8');
    expect(readme).toContain(example.trim());
  });

  it('starts with the two commands, and they exist as npm scripts', async () => {
    const readme = await readFile(new URL('README.md', root), 'utf8');
    const firstBlock = /```bash\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(firstBlock).toContain('npm run demo');
    expect(firstBlock).toContain('npm test');
    const pkg = JSON.parse(await readFile(new URL('package.json', root), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.demo).toBeDefined();
    expect(pkg.scripts.test).toBeDefined();
  });

  it('runs the quick start: every record imported exactly once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ba-readme-'));
    try {
      const csv = join(dir, 'users.csv');
      const rows = ['email,name'];
      for (let i = 0; i < 1234; i += 1) rows.push(`u${i}@example.com,User ${i}`);
      await writeFile(csv, rows.join('\n'));
      const imported = await quickStart(csv, join(dir, 'state.sqlite'));
      expect(imported).toHaveLength(1234);
      expect(new Set(imported).size).toBe(1234);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
