import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'migrations/**', '.vscode-test/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': 'off',
    },
  },
  {
    // A promise nobody awaits must handle its own rejection (`void` does not): in the extension host an
    // unhandled one is only a log line, and the user never hears what failed. Event handlers must not be async.
    files: ['src/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: false, checkThenables: true }],
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // The layers below the VS Code adapter run in plain Node (tests, the MCP server): never VS Code.
    files: [
      'src/db/**/*.ts',
      'src/library/**/*.ts',
      'src/model/**/*.ts',
      'src/storage/local/**/*.ts',
      'src/common/{disposable,events,redact,userError}.ts',
    ],
    rules: { 'no-restricted-imports': ['error', { paths: ['vscode'] }] },
  },
  {
    // Layers point down only: the helpers in src/common know no layer above them.
    files: ['src/common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['../db/*', '../storage/*', '../library/*', '../model/*', '../views/*', '../commands/*', '../editor/*'] },
      ],
    },
  },
  {
    // Commands, views, the editor and the agents' glue reach the database only through the library (types are fine).
    files: ['src/commands/**/*.ts', 'src/views/**/*.ts', 'src/editor/**/*.ts', 'src/agents/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../db/queries', '../db/shares', '../db/transfer', '../db/client', '../db/migrate', '../db/users', '../db/messages'],
              allowTypeImports: true,
              message: 'Call the library (src/library) instead.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.cjs', '**/*.mjs'],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
