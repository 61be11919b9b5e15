import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    tsconfig: 'tsconfig.build.json',
    // dist/cli is the CLI build's to clean; the two builds run side by side.
    clean: ['!cli/**'],
    sourcemap: true,
    target: 'node20',
  },
  {
    // The CLI (src/cli/main.ts starts with `#!/usr/bin/env node`, which tsup keeps and marks
    // executable) and the demo's processor module that its worker processes import.
    entry: { main: 'src/cli/main.ts', 'demo-processor': 'src/cli/demo-processor.ts' },
    outDir: 'dist/cli',
    format: ['esm'],
    tsconfig: 'tsconfig.build.json',
    clean: true,
    sourcemap: true,
    target: 'node20',
    // Optional peer dependencies, loaded on demand by the store URL resolver.
    external: ['@batchactions/state-sqlite', '@batchactions/state-postgres'],
  },
]);
