/** Code lenses on the first line: the run commands the extension registers (arguments: document URI). */
import type { CodeLens } from 'vscode-languageserver-types';

export const LENS_COMMANDS = [
  { command: 'dear.previewImport', title: 'Preview import (dry run)' },
  { command: 'dear.importNow', title: 'Import now' },
  { command: 'dear.writebackNow', title: 'Write back now' },
] as const;

export function getCodeLenses(uri: string): CodeLens[] {
  const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  return LENS_COMMANDS.map((lens) => ({
    range,
    command: { title: lens.title, command: lens.command, arguments: [uri] },
  }));
}
