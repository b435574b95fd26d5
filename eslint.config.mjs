// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.venv/**', '.cache/**', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // The engine runs under the CLI and tests too: it must never depend on the editor.
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'src/engine/ must not import vscode; put editor glue in src/vscode/.' }],
        patterns: [{ group: ['**/vscode/**', '../vscode', '../../vscode'], message: 'src/engine/ must not depend on src/vscode/.' }],
      }],
    },
  },
  {
    // The front ends see one engine surface (src/engine/index.ts); what sits behind it may move freely.
    files: ['src/cli/**/*.ts', 'src/vscode/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/engine/*', '**/engine/**'], message: 'Import from src/engine (its index.ts), not from a file inside it.' },
          { group: ['**/cli/*', '**/cli/**', '../cli'], message: 'Shared presentation lives in src/engine/present; src/vscode must not import the CLI.' },
        ],
      }],
    },
  },
  {
    // Webviews render text only: anything that parses a string as HTML could run what a message carries.
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-properties': ['error',
        { property: 'innerHTML', message: 'Use textContent or DOM building (webview/shared/dom.ts).' },
        { property: 'outerHTML', message: 'Use textContent or DOM building (webview/shared/dom.ts).' },
        { property: 'insertAdjacentHTML', message: 'Use DOM building (webview/shared/dom.ts).' },
        { object: 'document', property: 'write', message: 'Never write markup into the webview.' },
      ],
    },
  },
);
