// ESLint with typescript-eslint's type-checked rules over everything `tsc` checks; `npm test` runs it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', '.dev/', 'coverage/', '.dependency-cruiser.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // The two JavaScript files tsc leaves out (no allowJs) are linted with a default project.
        projectService: { allowDefaultProject: ['eslint.config.js', 'bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // `_name` marks a parameter or binding kept on purpose (a callback's shape, a rest destructure).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // Passing on a caught error or a rejection reason (`unknown`) as it came, as only-throw-error allows for `throw`.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
    },
  },
  {
    // The docs page's and the console's browser scripts, served as written (no build step): browser globals, no types.
    files: ['gateway/listeners/docs-page/*.js', 'gateway/console/static/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: { program: null, project: false, projectService: false },
      sourceType: 'script',
      globals: { window: 'readonly', document: 'readonly', URL: 'readonly', SwaggerUIBundle: 'readonly', EventSource: 'readonly', Intl: 'readonly', uPlot: 'readonly' },
    },
  },
  {
    // Tests read JSON answers (`await res.json()` is `any`) and assert their shape with expect():
    // the assertion is the check, so the unsafe-any rules are off there and only there.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
