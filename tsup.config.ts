import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    tsconfig: 'tsconfig.build.json',
    clean: true,
    sourcemap: true,
    target: 'node20',
  },
  {
    // The CLI and the worker entry it forks: ESM only, with a shebang kept by tsup.
    entry: { 'cli/main': 'src/cli/main.ts' },
    format: ['esm'],
    tsconfig: 'tsconfig.build.json',
    sourcemap: true,
    target: 'node20',
  },
]);
