import { defineConfig } from 'tsup';

// `validation`: the schema side without the parsers' libraries (a worker never parses). The two
// formats are built apart, each cleaning only its own files (the builds run side by side).
export default defineConfig([
  {
    // ESM: the code both entries use goes to a chunk both import (one copy of each class).
    entry: { index: 'src/index.ts', validation: 'src/validation.ts' },
    format: ['esm'],
    dts: true,
    tsconfig: '../../tsconfig.build.json',
    clean: ['!**/*.cjs', '!**/*.cjs.map', '!**/*.d.cts'],
    sourcemap: true,
    target: 'node20',
  },
  {
    // CommonJS: `validation` re-exports the main entry's values (`require('@batchactions/import')`,
    // the package naming itself), so there is one copy of each class there too.
    entry: { index: 'src/index.ts', validation: 'src/validation-commonjs.ts' },
    format: ['cjs'],
    // Declarations from the sources (the same names and types as the ESM entry): the CommonJS
    // entry's own file names the package itself, whose declarations the side-by-side ESM build
    // has not written yet on a clean checkout.
    dts: { entry: { index: 'src/index.ts', validation: 'src/validation.ts' } },
    external: ['@batchactions/import'],
    tsconfig: '../../tsconfig.build.json',
    clean: ['!**/*.js', '!**/*.js.map', '!**/*.d.ts'],
    sourcemap: true,
    target: 'node20',
  },
]);
