import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    tsconfig: '../../tsconfig.build.json',
    clean: true,
    sourcemap: true,
    target: 'node20',
    // The caller brings Prisma and its driver adapter: never bundle them.
    external: ['@prisma/client'],
  },
  {
    // The `batchactions-prisma` binary: one ESM script (Node's fs and path only).
    entry: { 'cli/init': 'src/cli/init.ts' },
    format: ['esm'],
    tsconfig: '../../tsconfig.build.json',
    clean: false,
    sourcemap: false,
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
