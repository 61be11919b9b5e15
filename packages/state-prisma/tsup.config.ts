import { defineConfig } from 'tsup';

export default defineConfig({
  // The entry point, and the `batchactions-prisma` binary (its source starts with the hashbang;
  // as published, a CJS twin `cli/init.cjs` is built beside the ESM script the `bin` names).
  entry: { index: 'src/index.ts', 'cli/init': 'src/cli/init.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  tsconfig: '../../tsconfig.build.json',
  clean: true,
  sourcemap: true,
  target: 'node20',
  // The caller brings Prisma and its driver adapter: never bundle them.
  external: ['@prisma/client'],
});
