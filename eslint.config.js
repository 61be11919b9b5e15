import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '.tmp/**',
      '**/dist/**',
      '**/node_modules/**',
      'coverage/**',
      '**/*.cjs',
      'bench/.data/**',
      '.stryker-tmp/**',
      'reports/**',
      'packages/state-prisma/tests/.generated/**',
      // A stub some Prisma 6 installs leave at the root (never ours).
      '.prisma/**',
      // The generated API reference (npm run docs:api).
      'docs/api/**',
      // Globals for README fragments only; scripts/check-readme-snippets.mjs compiles it strictly.
      'scripts/readme-snippets.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    // Plain JS scripts and the per-package build configs are outside the TypeScript project.
    files: ['**/*.js', '**/*.mjs', 'packages/*/tsup.config.ts'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: globals.node,
    },
  },
  {
    files: ['tests/**', 'packages/*/tests/**', 'packages/core/src/testing/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      // vitest's asymmetric matchers (expect.any, expect.objectContaining) are typed `any`.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  prettier,
);
