/**
 * `dear-starshipit lsp --stdio` — the language server over stdin/stdout for any LSP client
 * (Neovim, Helix, Emacs…). Same server code as the VS Code extension uses over IPC.
 */
import {
  createConnection,
  ProposedFeatures,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver/node';
import { startLanguageServer } from '../languageServer';
import { commandUsage, unknownOptionMessage } from './help';
import { tuneHeapForLanguageServer } from '../heapTuning';

export async function lspCommand(args: string[]): Promise<number> {
  const other = args.find((a) => a !== '--stdio');
  if (!args.includes('--stdio') || other !== undefined) {
    const problem =
      other === undefined
        ? 'missing --stdio'
        : other.startsWith('-')
          ? unknownOptionMessage('lsp', other)
          : `unexpected argument "${other}"`;
    process.stderr.write(`dear-starshipit lsp: ${problem}\n${commandUsage('lsp')}\n`);
    return 2;
  }
  tuneHeapForLanguageServer();
  // stdout carries JSON-RPC only: anything printed by accident goes to stderr instead.
  const toStderr = (...parts: unknown[]) =>
    process.stderr.write(`${parts.map(String).join(' ')}\n`);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  const connection = createConnection(
    ProposedFeatures.all,
    new StreamMessageReader(process.stdin),
    new StreamMessageWriter(process.stdout),
  );
  startLanguageServer(connection);
  // The client closing our stdin means it is gone: exit instead of lingering.
  process.stdin.on('end', () => process.exit(0));
  return 0;
}
