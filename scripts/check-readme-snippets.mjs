// Type-checks every ```ts block of README.md, packages/*/README.md and docs/*.md with strict tsc,
// each block a module of its own, against the built packages (run after `npm run build`).
//
// A block that is a fragment continuing an earlier one may use the names declared in
// scripts/readme-snippets.d.ts (`di`, `jobId`, `processRecord`, …: the objects the README's
// prose has already introduced, with their real types). A block that cannot compile at all is
// skipped only when the line before its fence says why: `<!-- not-compiled: reason -->`; the
// skips are listed in the output. Exits 1 when a block does not compile.
import { execFileSync } from 'node:child_process';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const readmes = [
  'README.md',
  ...readdirSync(join(root, 'packages')).map((name) => `packages/${name}/README.md`),
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** Every ```ts block with its line number and the skip reason, if the line above gives one. */
function blocks(file) {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const found = [];
  for (let i = 0; i < lines.length; i += 1) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue;
    const start = i;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end += 1;
    if (end === lines.length)
      throw new Error(`${file}:${start + 1}: a \`\`\`ts block is not closed`);
    let above = start - 1;
    while (above >= 0 && lines[above].trim() === '') above -= 1;
    const skip = /^<!--\s*not-compiled:\s*(.+?)\s*-->$/.exec(lines[above] ?? '');
    found.push({
      file,
      line: start + 1,
      code: lines.slice(start + 1, end).join('\n'),
      skipReason: skip?.[1],
    });
    i = end;
  }
  return found;
}

const all = readmes.flatMap(blocks);
const work = mkdtempSync(join(tmpdir(), 'ba-readme-snippets-'));
try {
  // The snippets import the packages by name, as a user would: resolve them through this
  // repository's node_modules (the workspaces link to the built packages).
  symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'), 'dir');
  writeFileSync(join(work, 'package.json'), '{ "type": "module", "private": true }\n');
  writeFileSync(
    join(work, 'readme-snippets.d.ts'),
    readFileSync(join(root, 'scripts/readme-snippets.d.ts'), 'utf8'),
  );

  const compiled = [];
  const names = new Map();
  for (const block of all) {
    if (block.skipReason !== undefined) continue;
    const name = `${block.file.replaceAll('/', '_').replace(/\.md$/, '')}_L${block.line}.ts`;
    names.set(name, block);
    // `export {}` makes every block a module, so its own declarations shadow the shared ones.
    writeFileSync(join(work, name), `${block.code}\nexport {};\n`);
    compiled.push(name);
  }
  writeFileSync(
    join(work, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        types: ['node'],
        skipLibCheck: true,
        noFallthroughCasesInSwitch: true,
        noImplicitOverride: true,
        // The facade is this repository's root package, not a dependency of it.
        paths: { '@batchactions/distributed': [join(root, 'dist/index.d.ts')] },
      },
      files: ['readme-snippets.d.ts', ...compiled],
    }),
  );

  let output = '';
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', work], {
      cwd: work,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    output = `${error.stdout}${error.stderr}`;
  }

  for (const block of all.filter((b) => b.skipReason !== undefined)) {
    console.log(`skipped ${block.file}:${block.line}: ${block.skipReason}`);
  }
  if (output !== '') {
    // Point each error at the README line it comes from.
    const located = output.replace(/^(\S+?\.ts)\((\d+),(\d+)\)/gm, (match, file, line, column) => {
      const block = names.get(file);
      if (block === undefined) return match;
      return `${block.file}:${block.line + Number(line)}:${column}`;
    });
    console.error(`\ncheck:readme-snippets FAILED: a README block does not compile:\n${located}`);
    process.exit(1);
  }
  const skipped = all.length - compiled.length;
  console.log(
    `${compiled.length} README TypeScript blocks compile under strict tsc (${skipped} skipped, ` +
      `${relative(root, join(root, 'README.md'))}, package READMEs and docs pages: ${readmes.length} files)`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
