import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  tsconfig: '../../tsconfig.build.json',
  clean: true,
  sourcemap: true,
  target: 'node20',
  // The caller brings Sequelize and the driver of its dialect: never bundle them.
  external: ['sequelize', 'pg', 'pg-hstore', 'mariadb', 'mysql2', 'sqlite3'],
});
