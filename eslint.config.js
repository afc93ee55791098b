import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

const TF = ['@tensorflow/*'];
const noTf = {
  group: TF,
  message: 'Only src/core, src/data and src/worker use TF.js; the UI talks to the worker.',
};
const upward = (dirs) =>
  dirs.map((d) => ({
    group: [`**/${d}/*`, `../${d}/*`, `../../${d}/*`],
    message: `This layer must not import ${d}/.`,
  }));

export default tseslint.config(
  {
    ignores: [
      'dist',
      'dist-*',
      'node_modules',
      'public',
      'test-results',
      'test-results-*',
      'playwright-report',
      '.bench',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/data/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...upward(['worker', 'hooks', 'components', 'charts']),
            { group: ['react', 'react-dom', 'recharts'], message: 'core/data are UI-free.' },
          ],
        },
      ],
    },
  },
  {
    files: [
      'src/hooks/**/*.{ts,tsx}',
      'src/components/**/*.{ts,tsx}',
      'src/charts/**/*.{ts,tsx}',
      'src/App.tsx',
      'src/main.tsx',
      'src/ui/**/*.{ts,tsx}',
    ],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': ['error', { patterns: [noTf] }],
    },
  },
);
