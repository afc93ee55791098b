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

/**
 * Source folders from the bottom up; the page's trainer client (client), the page (hooks, components,
 * charts, ui), cli and worker sit on top.
 */
const LAYERS = ['lib', 'data', 'core', 'compare', 'export', 'storage'];
const ABOVE_ALL = ['client', 'ui', 'hooks', 'components', 'charts', 'worker', 'cli', 'testing'];

function layerRules() {
  return LAYERS.map((layer, i) => ({
    files: [`src/${layer}/**/*.ts`],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...upward([...LAYERS.slice(i + 1), ...ABOVE_ALL]),
            ...(layer === 'core' || layer === 'data' ? [] : [noTf]),
            { group: ['react', 'react-dom', 'recharts'], message: `${layer}/ is UI-free.` },
          ],
        },
      ],
    },
  }));
}

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
  // The layers, lowest first (docs/architecture.md): each may import only the ones before it. Tests
  // may cross layers (a test of the configuration checks every place that reads one).
  ...layerRules(),
  // The trainer client: plain TypeScript under the page, talking to the worker by messages only.
  {
    files: ['src/client/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            noTf,
            { group: ['react', 'react-dom', 'recharts'], message: 'client/ is UI-free.' },
            ...upward(['ui', 'hooks', 'components', 'charts', 'cli', 'testing']),
            {
              group: ['**/worker/*', '../worker/*', '../../worker/*'],
              allowTypeImports: true,
              message: 'The client talks to the worker through messages: import its types only.',
            },
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
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            noTf,
            {
              group: ['**/worker/*', '../worker/*', '../../worker/*'],
              allowTypeImports: true,
              message: 'Page code talks to the worker through messages: import its types only.',
            },
          ],
        },
      ],
    },
  },
);
