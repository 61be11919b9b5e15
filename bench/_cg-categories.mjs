// Splits a callgrind profile of node into instruction categories, so that the per-record work
// can be compared without the parts that depend on timing: V8's garbage collector (its
// schedule follows allocation rates measured in wall-clock time) and its compilers (a fixed
// cost per process that moves with the garbage collector's bytecode flushing). Everything else
// (JIT code, builtins, runtime, structuredClone, libc) is "work".
// Usage: node bench/_cg-categories.mjs <callgrind.out> [more…]   (needs callgrind_annotate)
import { execFileSync } from 'node:child_process';

const CATEGORIES = [
  [
    'gc',
    /Scaveng|Marking|MarkCompact|Sweep|heap::|Heap::|Evacuat|RememberedSet|SlotSet|GCTracer|MinorMC|IncrementalMarking|HeapObject::SizeFromMap|ObjectVisitor|BodyDescriptor|Iterate|Visit|RecordWrite|Page::|MemoryChunk|LargeObject|Compactor|MemoryAllocator|PagedSpace|NewSpace|SemiSpace/,
  ],
  [
    'compile',
    /compiler::|turboshaft|maglev|Maglev|Compile|Parser|Scanner|Bytecode|interpreter::|Ast|Scope|OptimizedCompilation|Deoptim|TurboFan|RegExpCompiler|regexp::/,
  ],
];

for (const file of process.argv.slice(2)) {
  const text = execFileSync('callgrind_annotate', ['--threshold=100', file], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const sums = { total: 0, gc: 0, compile: 0, work: 0 };
  for (const line of text.split('\n')) {
    const match = /^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)$/.exec(line);
    if (!match) continue;
    const count = Number(match[1].replaceAll(',', ''));
    const name = match[2];
    if (name.includes('PROGRAM TOTALS')) {
      sums.total = count;
      continue;
    }
    const category = CATEGORIES.find(([, pattern]) => pattern.test(name))?.[0] ?? 'work';
    sums[category] += count;
  }
  console.log(JSON.stringify({ file, ...sums }));
}
