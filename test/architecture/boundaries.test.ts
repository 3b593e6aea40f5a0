// The import boundaries between areas are enforced by `npm run lint` (eslint's
// no-restricted-imports per folder) and by the compiler (one tsconfig per area with its own `lib`
// and `types`). These tests feed deliberate violations to both and check they are refused, next to
// allowed imports that must pass, so a rule that stops matching fails here. `tsc` alone refuses
// `import 'vscode'` outside the client: those areas map the specifier to protocol/noVscode.d.ts,
// which is not a module.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { ESLint } from 'eslint';
import * as ts from 'typescript';

const root = path.resolve(__dirname, '../../..');
const RULE = '@typescript-eslint/no-restricted-imports';

interface Probe {
  /** Where the probe file would live, relative to the repository root (it is never written). */
  file: string;
  /** The import statement under test. */
  source: string;
}

const forbidden: Probe[] = [
  { file: 'server/src/engine/probe.ts', source: "import * as vscode from 'vscode';" },
  {
    file: 'server/src/engine/probe.ts',
    source: "import { Connection } from 'vscode-languageserver/node';",
  },
  {
    file: 'server/src/engine/probe.ts',
    source: "import { startSandbox } from '../../../sandbox/src/index';",
  },
  { file: 'server/src/engine/probe.ts', source: "import { analyze } from '../config/index';" },
  { file: 'server/src/engine/probe.ts', source: "import { start } from '../languageServer';" },
  { file: 'server/src/engine/probe.ts', source: "import { main } from '../cli/run';" },
  {
    file: 'server/src/engine/probe.ts',
    source: "import { helper } from '../../../test/engine/helpers';",
  },
  { file: 'server/src/config/probe.ts', source: "import { window } from 'vscode';" },
  {
    file: 'server/src/config/probe.ts',
    source: "import { activate } from '../../../client/src/extension';",
  },
  {
    file: 'server/src/config/rules/probe.ts',
    source: "import { startSandbox } from '../../../../sandbox/src/index';",
  },
  { file: 'server/src/config/probe.ts', source: "import { SyncService } from '../syncService';" },
  { file: 'protocol/probe.ts', source: "import { runSync } from '../server/src/engine/index';" },
  {
    file: 'client/src/probe.ts',
    source: "import { runSync } from '../../server/src/engine/index';",
  },
  {
    file: 'client/src/commands/probe.ts',
    source: "import { startSandbox } from '../../../sandbox/src/index';",
  },
  {
    file: 'client/src/probe.ts',
    source: "import { createConnection } from 'vscode-languageserver/node';",
  },
  { file: 'client/src/webview/preview/probe.ts', source: "import { window } from 'vscode';" },
  {
    file: 'client/src/webview/preview/probe.ts',
    source: "import { readFileSync } from 'node:fs';",
  },
  {
    file: 'sandbox/src/probe.ts',
    source: "import { runSync } from '../../server/src/engine/index';",
  },
  {
    file: 'sandbox/src/probe.ts',
    source: "import { analyze } from '../../server/src/config/index';",
  },
  { file: 'sandbox/src/probe.ts', source: "import * as vscode from 'vscode';" },
];

const allowed: Probe[] = [
  {
    file: 'server/src/engine/probe.ts',
    source: "import { DEFAULTS } from '../../../protocol/settings';",
  },
  { file: 'server/src/config/probe.ts', source: "import { request } from '../engine/http';" },
  {
    file: 'server/src/cli/probe.ts',
    source: "import { startSandbox } from '../../../sandbox/src/index';",
  },
  {
    file: 'server/src/probe.ts',
    source: "import { createConnection } from 'vscode-languageserver/node';",
  },
  { file: 'client/src/probe.ts', source: "import * as vscode from 'vscode';" },
  {
    file: 'client/src/probe.ts',
    source: "import { LanguageClient } from 'vscode-languageclient/node';",
  },
  { file: 'client/src/probe.ts', source: "import { SyncRequest } from '../../protocol/lsp';" },
  {
    file: 'client/src/webview/preview/probe.ts',
    source: "import type { PreviewState } from '../../../../protocol/preview';",
  },
  {
    file: 'sandbox/src/probe.ts',
    source: "import type { Sale } from '../../server/src/engine/index';",
  },
];

async function restrictedImportMessages(eslint: ESLint, probe: Probe): Promise<string[]> {
  const [result] = await eslint.lintText(`${probe.source}\n`, {
    filePath: path.join(root, probe.file),
  });
  return result.messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
}

describe('import boundaries (eslint, npm run lint)', function () {
  let eslint: ESLint;
  before(() => {
    eslint = new ESLint({ cwd: root });
  });

  for (const probe of forbidden) {
    it(`refuses in ${probe.file}: ${probe.source}`, async () => {
      const messages = await restrictedImportMessages(eslint, probe);
      assert.equal(
        messages.length,
        1,
        `expected one boundary error, got ${JSON.stringify(messages)}`,
      );
    });
  }

  for (const probe of allowed) {
    it(`allows in ${probe.file}: ${probe.source}`, async () => {
      assert.deepEqual(await restrictedImportMessages(eslint, probe), []);
    });
  }
});

describe('area compiler settings (tsconfig per area)', () => {
  /**
   * Type-checks one in-memory file as if it were part of `tsconfig`'s project (same options and
   * project references) and returns the diagnostics about it and about the program's file list.
   */
  function compile(tsconfig: string, file: string, text: string): string[] {
    const parsed = ts.getParsedCommandLineOfConfigFile(
      path.join(root, tsconfig),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) =>
          assert.fail(ts.flattenDiagnosticMessageText(d.messageText, '\n')),
      },
    );
    assert.ok(parsed, `${tsconfig} parses`);
    const probePath = path.join(root, file);
    const isProbe = (name: string) => path.resolve(name) === probePath;
    const host = ts.createCompilerHost(parsed.options);
    const fileExists = host.fileExists.bind(host);
    const getSourceFile = host.getSourceFile.bind(host);
    host.fileExists = (name) => isProbe(name) || fileExists(name);
    host.getSourceFile = (name, language, onError, create) =>
      isProbe(name)
        ? ts.createSourceFile(name, text, language)
        : getSourceFile(name, language, onError, create);
    const program = ts.createProgram({
      rootNames: [probePath],
      options: { ...parsed.options, noEmit: true },
      projectReferences: parsed.projectReferences,
      host,
    });
    return ts
      .getPreEmitDiagnostics(program)
      .filter((d) => !d.file || isProbe(d.file.fileName))
      .map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  }

  const usesTheDom = 'export const title: string = document.title;\n';
  const domMissing = /Cannot find name 'document'/;

  it('the engine, the settings core, the protocol and the client do not see the DOM', () => {
    for (const [tsconfig, file] of [
      ['server/src/engine/tsconfig.json', 'server/src/engine/probe.ts'],
      ['server/src/config/tsconfig.json', 'server/src/config/probe.ts'],
      ['protocol/tsconfig.json', 'protocol/probe.ts'],
      ['client/tsconfig.json', 'client/src/probe.ts'],
    ]) {
      const errors = compile(tsconfig, file, usesTheDom);
      assert.ok(
        errors.some((e) => domMissing.test(e)),
        `${file}: ${JSON.stringify(errors)}`,
      );
    }
  });

  it('only the client compiles an import of vscode', () => {
    const importsVscode = "import * as vscode from 'vscode';\nexport const w = vscode.window;\n";
    for (const [tsconfig, file] of [
      ['server/src/engine/tsconfig.json', 'server/src/engine/probe.ts'],
      ['server/src/config/tsconfig.json', 'server/src/config/probe.ts'],
      ['server/tsconfig.json', 'server/src/probe.ts'],
      ['protocol/tsconfig.json', 'protocol/probe.ts'],
      ['sandbox/tsconfig.json', 'sandbox/src/probe.ts'],
      ['client/src/webview/tsconfig.json', 'client/src/webview/probe.ts'],
    ]) {
      const errors = compile(tsconfig, file, importsVscode);
      assert.ok(
        errors.some((e) => /^TS2306: File '.*noVscode\.d\.ts' is not a module/.test(e)),
        `${file}: ${JSON.stringify(errors)}`,
      );
    }
    assert.deepEqual(compile('client/tsconfig.json', 'client/src/probe.ts', importsVscode), []);
  });

  it('the webview sees the DOM but not Node', () => {
    const webview = ['client/src/webview/tsconfig.json', 'client/src/webview/probe.ts'] as const;
    assert.deepEqual(compile(...webview, usesTheDom), []);
    const errors = compile(...webview, 'export const pid: number = process.pid;\n');
    assert.ok(
      errors.some((e) => /Cannot find name 'process'/.test(e)),
      JSON.stringify(errors),
    );
  });

  it('the engine compiles against the protocol but not against an area it does not reference', () => {
    const engine = ['server/src/engine/tsconfig.json', 'server/src/engine/probe.ts'] as const;
    assert.deepEqual(
      compile(...engine, "export type { RateLimit } from '../../../protocol/settings';\n"),
      [],
    );
    const errors = compile(
      ...engine,
      "export { NETWORK_COMMANDS } from '../../../client/src/trust';\n",
    );
    assert.ok(
      errors.some((e) => e.startsWith('TS6307:')),
      `expected "not listed within the file list of project": ${JSON.stringify(errors)}`,
    );
  });
});
