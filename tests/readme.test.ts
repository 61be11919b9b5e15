import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = new URL('../', import.meta.url);
const run = promisify(execFile);

async function readme(): Promise<string> {
  return readFile(new URL('README.md', root), 'utf8');
}

/** The first ```ts block after the "## Quick start" heading. */
function quickStartBlock(text: string): string {
  const section = text.slice(text.indexOf('\n## Quick start\n'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('README.md has no ```ts block under "## Quick start"');
  return block;
}

describe('README', () => {
  it('is a short front door: at most 20 KB, no line wider than 200 characters', async () => {
    const text = await readme();
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(20 * 1024);
    const wide = text.split('\n').filter((line) => line.length > 200);
    expect(wide).toEqual([]);
  });

  it("names the tarballs npm run pack:all makes, with the packages' versions", async () => {
    const names = [
      ...(await readme()).matchAll(/packed\/(batchactions-[a-z-]+?)-(\d+\.\d+\.\d+)\.tgz/g),
    ];
    expect(names.length).toBeGreaterThan(0);
    for (const [, tarball, version] of names) {
      const name = (tarball ?? '').replace(/^batchactions-/, '');
      const manifest = name === 'distributed' ? 'package.json' : `packages/${name}/package.json`;
      const pkg = JSON.parse(await readFile(new URL(manifest, root), 'utf8')) as {
        version: string;
      };
      expect(`${tarball}-${version}`).toBe(`${tarball}-${pkg.version}`);
    }
  });

  it('shows the quick start exactly as examples/quick-start.ts has it', async () => {
    const example = await readFile(new URL('examples/quick-start.ts', root), 'utf8');
    expect(quickStartBlock(await readme()).trim()).toBe(example.trim());
  });

  it('starts with the two commands, and they exist as npm scripts', async () => {
    const firstBlock = /```bash\n([\s\S]*?)```/.exec(await readme())?.[1] ?? '';
    expect(firstBlock).toContain('npm run demo');
    expect(firstBlock).toContain('npm test');
    const pkg = JSON.parse(await readFile(new URL('package.json', root), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.demo).toBeDefined();
    expect(pkg.scripts.test).toBeDefined();
  });

  it('runs the quick start as pasted into a .mjs file: it prints the counts of its own sample file', async () => {
    // Inside this package (.tmp/), so the pasted imports resolve as in a user's project: the
    // workspaces through node_modules, @batchactions/distributed to this (built) package.
    const tmp = fileURLToPath(new URL('.tmp/', root));
    await mkdir(tmp, { recursive: true });
    const dir = await mkdtemp(join(tmp, 'readme-quick-start-'));
    try {
      await writeFile(join(dir, 'quick-start.mjs'), quickStartBlock(await readme()));
      const { stdout } = await run(process.execPath, ['quick-start.mjs'], { cwd: dir });
      const lines = stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^job [0-9a-f-]{36}: 1000 records in 10 batches$/);
      expect(lines.slice(1, 4)).toEqual([
        '990 processed, 10 failed',
        '990 users saved; the invalid rows, with their row numbers and errors:',
        'row,status,email,name,errors',
      ]);
      const rows = lines.slice(4).map((line) => line.split(',')[0]);
      expect(rows).toEqual(['100', '200', '300', '400', '500', '600', '700', '800', '900', '1000']);
      // It made its own file and store where it ran.
      expect((await readFile(join(dir, 'users.csv'), 'utf8')).split('\n')).toHaveLength(1001);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
