// Bundles every entry point into dist/ (one file each, CommonJS, Node platform):
//   dist/client.js   – the VS Code extension (vscode stays external: the editor provides it)
//   dist/server.js   – the language server, started by the client over IPC
//   dist/cli.js      – the `dear-starshipit` CLI (validate, lsp --stdio, sandbox, import, …)
//   dist/webview/*.js – browser bundles for webviews
// Type checking is separate (`npm run typecheck`), as esbuild only strips types.
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const node = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: !production,
  sourcesContent: false,
  minify: production,
  logLevel: 'warning',
  // JSON schema and other assets are imported and inlined, never read from disk at run time.
  loader: { '.json': 'json' },
};

const configs = [
  {
    ...node,
    entryPoints: { client: 'client/src/extension.ts' },
    outdir: 'dist',
    external: ['vscode'],
  },
  { ...node, entryPoints: { server: 'server/src/server.ts' }, outdir: 'dist' },
  {
    ...node,
    entryPoints: { cli: 'server/src/cli/main.ts' },
    outdir: 'dist',
    banner: { js: '#!/usr/bin/env node' },
  },
];
const webviews = { preview: 'client/src/webview/preview/main.ts' };
for (const [name, entry] of Object.entries(webviews)) {
  configs.push({
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    entryPoints: { [name]: entry },
    outdir: 'dist/webview',
  });
}

if (watch) {
  for (const c of configs) (await esbuild.context(c)).watch();
} else {
  await Promise.all(configs.map((c) => esbuild.build(c)));
}
