// Lint: the typed rules that catch lost promises, plus the plugin boundary. Formatting
// is Prettier's job alone, so no stylistic rules here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'state/', 'test/.artifacts/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
      // Stripping control characters from names and terminal output is the point of those regexes.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
    },
  },
  {
    // The plugin boundary: src/plugin.ts is the whole contract (types, Services, helpers),
    // so a core module can change without breaking a plugin that never saw it.
    files: ['plugins/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+src/(?!plugin\\.ts$)',
              message:
                'plugins import the core only through src/plugin.ts (the plugin contract); if a plugin needs more of the core, offer it there',
            },
          ],
        },
      ],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: globals.node } },
  {
    // The admin page runs in the browser, not in Node.
    files: ['src/admin/public/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
);
