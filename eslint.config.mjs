import { FlatCompat } from '@eslint/eslintrc';
import tseslint from 'typescript-eslint';

const compat = new FlatCompat({ baseDirectory: import.meta.dirname });

const dataAccess = {
  group: [
    '@/db',
    '@/db/*',
    'drizzle-orm',
    'drizzle-orm/*',
    'pg',
    '@electric-sql/*',
    '@neondatabase/*',
  ],
  message: 'Only lib/ and db/ touch the database: call a lib/<domain> function.',
};
const deepLib = {
  group: ['@/lib/*/*'],
  message: 'Import a domain through its public surface (lib/<domain>/index.ts).',
};

export default tseslint.config(
  {
    ignores: [
      '.next/**',
      'node_modules/**',
      'coverage/**',
      'playwright-report/**',
      'test-results/**',
      'next-env.d.ts',
    ],
  },
  ...compat.extends('next/core-web-vitals', 'next/typescript'),
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { attributes: false } },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/consistent-type-definitions': ['error', 'type'],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['app/**', 'components/**', 'middleware.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ ...dataAccess, allowTypeImports: true }, deepLib] },
      ],
    },
  },
  {
    files: ['components/ui/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@/lib/*', '@/db/*'],
              message: 'UI primitives take props only: no data, no domain code.',
            },
          ],
        },
      ],
    },
  },
  {
    // Module augmentation (Auth.js session types, vitest's provided context) needs interfaces.
    files: ['lib/auth/config.ts', 'test-support/global-setup.ts'],
    rules: { '@typescript-eslint/consistent-type-definitions': 'off' },
  },
  {
    // Playwright fixtures receive a `use` callback that is not React's hook.
    files: ['e2e/**'],
    rules: { 'react-hooks/rules-of-hooks': 'off' },
  },
);
