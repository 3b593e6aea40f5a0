// ESLint (flat config) for every TypeScript file, plus the import boundaries between areas.
// `npm run lint` runs prettier --check and then this. The boundaries mirror the tsconfig project
// references (tsconfig.json): the compiler refuses an import of a file from an unreferenced area,
// and the rules below also refuse packages an area must not use (e.g. `vscode` in the engine),
// which project references cannot express.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Import specifiers (relative or package) an area must not use, with the reason shown on error. */
const forbid = {
  vscode: {
    regex: '^vscode$',
    message: 'Only the client (extension host) may import vscode.',
  },
  languageClient: {
    regex: '^vscode-languageclient(/|$)',
    message: 'Only the client may use the language client.',
  },
  lspConnection: {
    regex: '^vscode-languageserver(/|$)',
    message: 'Only the language server (server/src/*.ts) and the CLI own the LSP connection.',
  },
  client: {
    regex: '(^|/)client/src(/|$)',
    message: 'The client is a leaf: nothing imports it. Share types through protocol/.',
  },
  server: {
    regex: '(^|/)server/src(/|$)',
    message: 'The client and the protocol reach the server only through protocol/ messages.',
  },
  sandbox: {
    regex: '(^|/)sandbox/src(/|$)',
    message:
      'The sandbox is a test emulator: only the CLI (demo, sandbox) and the language server (Start Sandbox) start it.',
  },
  test: {
    regex: '(^|/)test/',
    message: 'Product code never imports test code.',
  },
  composition: {
    regex: '(^|/)(languageServer|syncService|server|cli/[^/]+)$',
    message:
      'The language server, sync service and CLI wire the engine and the settings core; they are not imported back.',
  },
  configCore: {
    regex: '(^|/)config(/|$)',
    message:
      'The engine does not depend on the settings-language core; pass it validated settings (protocol/settings.ts).',
  },
  node: {
    regex: '^(node:|fs$|path$|child_process$|os$|net$|http$)',
    message: 'Webview scripts run in a browser: no Node modules.',
  },
};

/** One `no-restricted-imports` rule (typescript-eslint's, so type-only imports can be allowed). */
function restrict(...patterns) {
  return { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] };
}

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'dist-vsix/',
      'out/',
      '.cache/',
      'test-results/',
      'test/e2e/fixtures/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // Reports methods that happen to be named `apply` (e.g. a journal state's apply(record)).
      'prefer-spread': 'off',
    },
  },
  {
    // LSP message types follow vscode-languageserver's convention: `namespace X { export const type }`.
    files: ['protocol/lsp.ts'],
    rules: { '@typescript-eslint/no-namespace': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
      },
    },
  },
  // ── Boundaries ────────────────────────────────────────────────────────────────────────────────
  {
    files: ['protocol/**/*.ts'],
    rules: restrict(
      forbid.vscode,
      forbid.languageClient,
      forbid.lspConnection,
      forbid.client,
      forbid.server,
      forbid.sandbox,
      forbid.test,
    ),
  },
  {
    files: ['server/src/engine/**/*.ts'],
    rules: restrict(
      forbid.vscode,
      forbid.languageClient,
      forbid.lspConnection,
      forbid.client,
      forbid.sandbox,
      forbid.test,
      forbid.composition,
      forbid.configCore,
    ),
  },
  {
    files: ['server/src/config/**/*.ts'],
    rules: restrict(
      forbid.vscode,
      forbid.languageClient,
      forbid.lspConnection,
      forbid.client,
      forbid.sandbox,
      forbid.test,
      forbid.composition,
    ),
  },
  {
    files: ['server/src/*.ts', 'server/src/cli/**/*.ts', 'server/src/service/**/*.ts'],
    rules: restrict(forbid.vscode, forbid.languageClient, forbid.client, forbid.test),
  },
  {
    files: ['client/src/**/*.ts'],
    ignores: ['client/src/webview/**'],
    rules: restrict(forbid.lspConnection, forbid.server, forbid.sandbox, forbid.test),
  },
  {
    files: ['client/src/webview/**/*.ts'],
    rules: restrict(
      forbid.vscode,
      forbid.languageClient,
      forbid.lspConnection,
      forbid.node,
      forbid.server,
      forbid.sandbox,
      forbid.test,
    ),
  },
  {
    files: ['sandbox/src/**/*.ts'],
    rules: restrict(
      forbid.vscode,
      forbid.languageClient,
      forbid.lspConnection,
      forbid.client,
      forbid.test,
      {
        regex: '(^|/)server/src/(?!engine/)',
        message: 'The sandbox may read the engine’s wire types, nothing else of the server.',
      },
      {
        regex: '(^|/)server/src/engine/',
        allowTypeImports: true,
        message: 'The sandbox may only import types from the engine (import type …).',
      },
    ),
  },
);
