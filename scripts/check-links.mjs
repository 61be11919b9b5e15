// Checks every relative link of the Markdown documentation offline (CI: `npm run check:links`):
// README.md, docs/**/*.md (the generated docs/api excepted), examples/**/*.md and
// packages/*/README.md. A link to a file must name a file or folder that exists; a link with
// `#anchor` must name a heading of the target page, slugged as GitHub slugs it. Links with a
// scheme (https:, mailto:) are not fetched: the check needs no network. Links inside code
// blocks and inline code are not links. Exits 1 and lists every broken link.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

/** Markdown files under `dir` (recursively), skipping generated and installed folders. */
function markdownUnder(dir) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || path === join(root, 'docs', 'api')) continue;
      found.push(...markdownUnder(path));
    } else if (entry.name.endsWith('.md')) found.push(path);
  }
  return found;
}

const files = [
  join(root, 'README.md'),
  ...markdownUnder(join(root, 'docs')),
  ...markdownUnder(join(root, 'examples')),
  ...readdirSync(join(root, 'packages'))
    .map((name) => join(root, 'packages', name, 'README.md'))
    .filter((path) => existsSync(path)),
];

/** The lines of a page that are prose: fenced code blocks blanked, inline code removed. */
function proseLines(text) {
  let fence = null;
  return text.split('\n').map((line) => {
    const opening = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence === null && opening) {
      fence = opening[1];
      return '';
    }
    if (fence !== null) {
      if (line.trim().startsWith(fence)) fence = null;
      return '';
    }
    return line.replace(/(`+)[\s\S]*?\1/g, '');
  });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces become hyphens. */
function slug(heading) {
  // Inline code keeps its text as written (`<file>` is text there); elsewhere HTML tags go and
  // emphasis marks go, and a link keeps its text only.
  const text = heading
    .split(/(`+[^`]*`+)/)
    .map((part) =>
      part.startsWith('`')
        ? part.replace(/`/g, '')
        : part
            .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
            .replace(/<[^>]+>/g, '')
            .replace(/[*~]/g, ''),
    )
    .join('')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

const anchorCache = new Map();
/** The anchors a Markdown page defines: its headings' slugs (numbered when repeated). */
function anchorsOf(file) {
  let anchors = anchorCache.get(file);
  if (anchors !== undefined) return anchors;
  anchors = new Set();
  const seen = new Map();
  let fence = null;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const opening = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence === null && opening) {
      fence = opening[1];
      continue;
    }
    if (fence !== null) {
      if (line.trim().startsWith(fence)) fence = null;
      continue;
    }
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const base = slug(heading[1]);
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    for (const match of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(match[1]);
  }
  anchorCache.set(file, anchors);
  return anchors;
}

const broken = [];
let checked = 0;
for (const file of files) {
  const lines = proseLines(readFileSync(file, 'utf8'));
  lines.forEach((line, index) => {
    // Inline links and images: [text](target "title"); the target may be wrapped in <>.
    for (const match of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = match[1];
      if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      checked += 1;
      const where = `${relative(root, file)}:${index + 1}`;
      const [pathPart, anchor] = target.split('#', 2);
      const targetFile = pathPart === '' ? file : resolve(dirname(file), decodeURI(pathPart));
      if (!existsSync(targetFile)) {
        broken.push(`${where}: ${target}: no such file ${relative(root, targetFile)}`);
        continue;
      }
      if (anchor === undefined) continue;
      if (statSync(targetFile).isDirectory() || !targetFile.endsWith('.md')) {
        broken.push(`${where}: ${target}: an anchor into something that is not a Markdown page`);
        continue;
      }
      if (!anchorsOf(targetFile).has(decodeURIComponent(anchor))) {
        broken.push(`${where}: ${target}: ${relative(root, targetFile)} has no heading #${anchor}`);
      }
    }
  });
}

if (broken.length > 0) {
  console.error(`check:links FAILED: ${broken.length} broken link(s):\n${broken.join('\n')}`);
  process.exit(1);
}
console.log(
  `${checked} relative links in ${files.length} Markdown files resolve (files and anchors)`,
);
