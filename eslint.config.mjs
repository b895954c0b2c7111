// @ts-check
// ESLint as `nest new` set it up for Nest 11 (typescript-eslint recommended-type-checked, Prettier
// owning the layout), run over src, test, bench, tools and migrations with --max-warnings 0.
// Prettier is applied by `npm run format` / checked by `npm run format:check`;
// eslint-config-prettier only switches off the stylistic rules that would fight it.
import eslint from '@eslint/js';
import eslintConfigPrettier from 'eslint-config-prettier/flat';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'coverage/', '.run/', 'bench/results/', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  eslintConfigPrettier,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.jest },
      sourceType: 'commonjs',
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // There is one `any` in the code base, declared on purpose (test/fetch-json.d.ts) with a disable comment.
      '@typescript-eslint/no-explicit-any': 'error',
      // A promise nobody awaits loses its error: in a booking path that means a seat leak nobody logs.
      '@typescript-eslint/no-floating-promises': 'error',
      // `_name` marks a parameter a port's signature makes an implementation accept and not use.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The suites assert on HTTP answers; their bodies are `any` on purpose (test/fetch-json.d.ts), and mocks'
    // `.mock.calls` are `any[]`. Reading them is the point of a test, so the any-tracking rules stay in src,
    // bench, tools and migrations and are off here.
    files: ['test/**/*.ts', '**/*.spec.ts', '**/*.e2e-spec.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off', // const { items } = await res.json()
      '@typescript-eslint/no-unsafe-member-access': 'off', // expect(body.code).toBe(...)
      '@typescript-eslint/no-unsafe-call': 'off', // body.items.map(...)
      '@typescript-eslint/no-unsafe-return': 'off', // .map((b) => b.reference)
      '@typescript-eslint/no-unsafe-argument': 'off', // helper(body)
      '@typescript-eslint/no-base-to-string': 'off', // String(body.message) in a failure message, whatever its shape
      '@typescript-eslint/require-await': 'off', // in-memory fakes implement async ports without awaiting anything
    },
  },
);
